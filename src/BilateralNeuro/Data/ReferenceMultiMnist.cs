using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>
/// Options of <see cref="ReferenceMultiMnist"/>. Defaults are those of the KomplexNet reference generator
/// (S4b1n3/KomplexNet <c>make_multi_mnist.py</c>, cited by line below).
/// </summary>
public sealed class ReferenceMultiMnistOptions
{
    /// <summary>Canvas side (50 = int(28 × 1.8), <c>make_multi_mnist.py:297</c>).</summary>
    public int Canvas { get; set; } = 50;
    /// <summary>Output side after the bilinear resize (32: <c>scale_factor = 32 / im_size</c>, <c>:214-216</c>).</summary>
    public int OutputSize { get; set; } = 32;
    /// <summary>
    /// Largest accepted signed overlap (<see cref="ReferenceMultiMnist.SignedOverlap"/>; the reference's
    /// <c>max_overlap</c>, <c>:184</c>, 0 in its <c>__main__</c>, <c>:305</c>). An upper bound, as in the reference: any
    /// layout whose signed overlap is at most this value is kept, negative ones included.
    /// </summary>
    public double MaxOverlap { get; set; }
    /// <summary>Random positions tried for the second digit before another second digit is drawn (100, <c>:97</c> and <c>:188</c>).</summary>
    public int Attempts { get; set; } = 100;
    /// <summary>Second digits drawn per image before giving up with an error (the reference loops forever; 1,000).</summary>
    public int MaxRedraws { get; set; } = 1000;
}

/// <summary>Validates <see cref="ReferenceMultiMnistOptions"/>, listing every problem.</summary>
public sealed class ReferenceMultiMnistOptionsValidator : IValidateOptions<ReferenceMultiMnistOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ReferenceMultiMnistOptions o)
    {
        var e = new ValidateOptionsResultBuilder();
        if (o.Canvas < 29) e.AddError($"Canvas must be at least 29 (the first digit starts at 0..Canvas − 29 for 28-pixel digits; got {o.Canvas}).");
        if (o.OutputSize < 4) e.AddError($"OutputSize must be at least 4 (got {o.OutputSize}).");
        if (!double.IsFinite(o.MaxOverlap) || o.MaxOverlap < 0 || o.MaxOverlap > 1) e.AddError($"MaxOverlap must lie in [0, 1] (got {o.MaxOverlap}).");
        if (o.Attempts < 1) e.AddError($"Attempts must be at least 1 (got {o.Attempts}).");
        if (o.MaxRedraws < 1) e.AddError($"MaxRedraws must be at least 1 (got {o.MaxRedraws}).");
        return e.Build();
    }
}

/// <summary>A digit's bounding box on the canvas: rows [Top, Bottom), columns [Left, Right).</summary>
/// <param name="Top">First row.</param>
/// <param name="Left">First column.</param>
/// <param name="Bottom">One past the last row.</param>
/// <param name="Right">One past the last column.</param>
public readonly record struct CanvasBox(int Top, int Left, int Bottom, int Right)
{
    /// <summary>Height × width.</summary>
    public int Area => (Bottom - Top) * (Right - Left);
}

/// <summary>Where <see cref="ReferenceMultiMnist"/> put the two digits of one image.</summary>
/// <param name="First">Index of the first digit in the source set.</param>
/// <param name="Second">Index of the second digit (a different class).</param>
/// <param name="FirstLabel">Class of the first digit.</param>
/// <param name="SecondLabel">Class of the second digit.</param>
/// <param name="FirstBox">First digit's box on the canvas.</param>
/// <param name="SecondBox">Second digit's box on the canvas.</param>
/// <param name="SignedOverlap">The reference's overlap of the two boxes (<see cref="ReferenceMultiMnist.SignedOverlap"/>).</param>
public sealed record ReferenceLayout(int First, int Second, int FirstLabel, int SecondLabel, CanvasBox FirstBox, CanvasBox SecondBox, double SignedOverlap);

/// <summary>
/// Two-digit images made as the KomplexNet reference makes them (S4b1n3/KomplexNet <c>make_multi_mnist.py</c>),
/// an alternative to <see cref="MultiObjectComposer"/>:
/// <list type="number">
/// <item>first digit: any source image, cropped to its bounding box of non-zero pixels (<c>:60-78</c>, <c>:159-161</c>),
/// placed with its top-left corner at a uniform (row, column) in 0..Canvas − 29 (<c>range(im_size - 28)</c>, <c>:163-167</c>);</item>
/// <item>second digit: any source image of a different class (<c>:172-175</c>), its crop placed at a uniform (row, column) in
/// 0..Canvas − 21 (<c>positions = range(im_size - 20)</c>, <c>:301</c>, <c>:91</c>), redrawn while it does not fit the canvas
/// (<c>:93-95</c>); pixels are added and every value above 250 becomes 255 (<c>:108-113</c>);</item>
/// <item>the layout is kept when <see cref="SignedOverlap"/> ≤ <see cref="ReferenceMultiMnistOptions.MaxOverlap"/>
/// (<c>:118-129</c>, <c>:184</c>); after <see cref="ReferenceMultiMnistOptions.Attempts"/> (100) rejected positions
/// another second digit of a different class is drawn (<c>:188-198</c>);</item>
/// <item>masks: the non-zero pixels of each digit's crop at its place (<c>generate_masks</c>, <c>:134-146</c>; the reference
/// stores one map with values 1, 2 and 3 = both, here one mask per digit with overlapping pixels in both);</item>
/// <item>the canvas is resized to <see cref="ReferenceMultiMnistOptions.OutputSize"/> with bilinear interpolation,
/// align_corners false (<c>:214-216</c>).</item>
/// </list>
/// Differences, all deliberate: images are divided by 255 to [0, 1] (the reference saves 0-255, <c>:113</c>, and any
/// scaling would be in its unpublished <c>utils.py</c>); masks are resized to the output size by nearest neighbour
/// (the reference saves them at 50 × 50, while its <c>dataloaders.expand_mask</c> indexes 32 × 32 maps, so the resize
/// happens in the missing <c>utils.py</c>); a second digit drawn inside the fit loop keeps its own label (the reference
/// keeps the earlier digit's label there, <c>:100-106</c>, a path that 100 failed positions make practically unreachable);
/// a seeded <see cref="Random"/> replaces Python's <c>random.choice</c>. Deterministic in the seed.
/// <see cref="MultiObjectSet.Overlap"/> holds the library's measure (intersection / smaller box, as the composer) and
/// <see cref="ReferenceLayout.SignedOverlap"/> the reference's.
/// </summary>
public static class ReferenceMultiMnist
{
    /// <summary>
    /// The reference's overlap of two boxes (<c>make_multi_mnist.py:118-129</c>): with per-axis signed gaps
    /// g = max(start₁, start₂) − min(end₁, end₂) (negative = the projections overlap), it is g_rows · g_cols / (2 · area₁) — the
    /// denominator adds the first digit's area twice (<c>:126-127</c>). Positive when the boxes intersect (two negative
    /// gaps: the intersection area) and also when they are apart on both axes (two positive gaps); ≤ 0 when they are apart
    /// on exactly one axis or touch. "Overlap 0" (≤ 0) therefore means side by side, never diagonal.
    /// </summary>
    public static double SignedOverlap(CanvasBox first, CanvasBox second)
    {
        double gapRows = Math.Max(first.Top, second.Top) - Math.Min(first.Bottom, second.Bottom);
        double gapCols = Math.Max(first.Left, second.Left) - Math.Min(first.Right, second.Right);
        return gapRows * gapCols / (2.0 * first.Area);
    }

    /// <summary>Draws the layouts (digits, places, overlaps) of <paramref name="count"/> images.</summary>
    /// <param name="source">Single digits: 1 channel, uint8, int64 labels at <paramref name="level"/>, at least 2 classes.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="options">Generator options.</param>
    /// <param name="seed">Seed of the layout draws.</param>
    /// <param name="level">Label level of the source.</param>
    /// <exception cref="OptionsValidationException">Some option is invalid.</exception>
    /// <exception cref="ArgumentException">The source is not single-channel, is larger than the canvas allows, or has fewer than 2 classes.</exception>
    /// <exception cref="InvalidOperationException">No layout met the overlap bound within <see cref="ReferenceMultiMnistOptions.MaxRedraws"/> second digits.</exception>
    public static IReadOnlyList<ReferenceLayout> Layout(LabeledImages source, int count, ReferenceMultiMnistOptions options, int seed, string level = LabelLevels.Fine)
    {
        var (_, labels, boxes) = Prepare(source, options, level);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Count must be positive.");
        if (labels.Distinct().Count() < 2) throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: two digits of different classes need at least 2 classes in the source, it has {labels.Distinct().Count()}.", nameof(source));
        int cs = options.Canvas, n = labels.Length;
        var rng = new Random(seed);
        var layouts = new List<ReferenceLayout>(count);
        for (int image = 0; image < count; image++)
        {
            int first = rng.Next(n);
            var b1 = boxes[first];
            int r1 = rng.Next(cs - (int)source.Height), c1 = rng.Next(cs - (int)source.Width);
            var box1 = new CanvasBox(r1, c1, r1 + b1.Bottom - b1.Top, c1 + b1.Right - b1.Left);
            ReferenceLayout? found = null;
            for (int redraw = 0; redraw < options.MaxRedraws && found is null; redraw++)
            {
                int second = rng.Next(n);
                while (labels[second] == labels[first]) second = rng.Next(n);
                var b2 = boxes[second];
                int h2 = b2.Bottom - b2.Top, w2 = b2.Right - b2.Left;
                for (int attempt = 0; attempt < options.Attempts; attempt++)
                {
                    // Positions 0..Canvas − 21, redrawn while the digit does not fit; after Attempts (100) misses another
                    // second digit is drawn (:91-106).
                    int r2, c2, fits = 0;
                    do { r2 = rng.Next(cs - 20); c2 = rng.Next(cs - 20); }
                    while ((r2 + h2 > cs || c2 + w2 > cs) && ++fits < options.Attempts);
                    if (r2 + h2 > cs || c2 + w2 > cs) break;
                    var box2 = new CanvasBox(r2, c2, r2 + h2, c2 + w2);
                    double overlap = SignedOverlap(box1, box2);
                    if (overlap <= options.MaxOverlap)
                    {
                        found = new ReferenceLayout(first, second, (int)labels[first], (int)labels[second], box1, box2, overlap);
                        break;
                    }
                }
            }
            layouts.Add(found ?? throw new InvalidOperationException(
                $"{nameof(ReferenceMultiMnist)}: image {image}: no second digit met MaxOverlap {options.MaxOverlap} within {options.MaxRedraws} draws of {options.Attempts} positions; raise MaxOverlap or Canvas."));
        }
        return layouts;
    }

    /// <summary>Renders layouts into a two-object set (images in [0, 1], per-digit masks, k-hot labels).</summary>
    /// <param name="source">The source the layouts were drawn from.</param>
    /// <param name="layouts">Layouts from <see cref="Layout"/>.</param>
    /// <param name="options">Generator options (canvas and output size).</param>
    /// <param name="level">Label level of the source.</param>
    /// <param name="name">Set name (default: source name, <c>reference-2-objects</c> and the overlap bound).</param>
    public static MultiObjectSet Render(LabeledImages source, IReadOnlyList<ReferenceLayout> layouts, ReferenceMultiMnistOptions options, string level = LabelLevels.Fine, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(layouts);
        var (pixels, labels, boxes) = Prepare(source, options, level);
        if (layouts.Count < 1) throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: no layouts to render.", nameof(layouts));
        int cs = options.Canvas, h = (int)source.Height, w = (int)source.Width, count = layouts.Count, classes = source.ClassCount(level);
        var canvas = new float[count * cs * cs];
        var masks = new float[count * 2 * cs * cs];
        var khot = new float[count * classes];
        var overlap = new float[count];
        for (int n = 0; n < count; n++)
        {
            var l = layouts[n];
            if (l.First < 0 || l.First >= labels.Length || l.Second < 0 || l.Second >= labels.Length || labels[l.First] != l.FirstLabel || labels[l.Second] != l.SecondLabel)
                throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: layout {n} does not belong to source '{source.Name}' (digit indices or labels differ).", nameof(layouts));
            int k = 0;
            foreach (var (idx, box) in new[] { (l.First, l.FirstBox), (l.Second, l.SecondBox) })
            {
                var b = boxes[idx];
                if (box.Bottom - box.Top != b.Bottom - b.Top || box.Right - box.Left != b.Right - b.Left || box.Top < 0 || box.Left < 0 || box.Bottom > cs || box.Right > cs)
                    throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: layout {n}: box {box} does not fit digit {idx} on a {cs}×{cs} canvas.", nameof(layouts));
                khot[n * classes + labels[idx]] = 1;
                for (int y = 0; y < b.Bottom - b.Top; y++)
                for (int x = 0; x < b.Right - b.Left; x++)
                {
                    byte v = pixels[idx * h * w + (b.Top + y) * w + b.Left + x];
                    int dst = n * cs * cs + (box.Top + y) * cs + box.Left + x;
                    canvas[dst] = k == 0 ? v : canvas[dst] + v;            // first digit assigned (:166-167), second added (:110-111)
                    if (v > 0) masks[(n * 2 + k) * cs * cs + (box.Top + y) * cs + box.Left + x] = 1;
                }
                k++;
            }
            for (int i = n * cs * cs; i < (n + 1) * cs * cs; i++) if (canvas[i] > 250) canvas[i] = 255;   // :113
            overlap[n] = (float)MultiObjectComposer.BoxOverlap((l.FirstBox.Top, l.FirstBox.Left, l.FirstBox.Bottom, l.FirstBox.Right), (l.SecondBox.Top, l.SecondBox.Left, l.SecondBox.Bottom, l.SecondBox.Right));
        }
        using var scope = NewDisposeScope();
        int s = options.OutputSize;
        var img = F.interpolate(torch.tensor(canvas).reshape(count, 1, cs, cs), [s, s], mode: InterpolationMode.Bilinear, align_corners: false) / 255f;
        var m = F.interpolate(torch.tensor(masks).reshape(count, 2, cs, cs), [s, s], mode: InterpolationMode.Nearest);
        return new MultiObjectSet(name ?? $"{source.Name}/reference-2-objects/max-overlap-{options.MaxOverlap}",
            img.clamp(0, 1).DetachFromDisposeScope(), m.DetachFromDisposeScope(), torch.tensor(khot).reshape(count, classes).DetachFromDisposeScope(),
            torch.tensor(overlap).DetachFromDisposeScope());
    }

    /// <summary>Layout and render in one call: <paramref name="count"/> two-digit images at one overlap bound.</summary>
    public static MultiObjectSet Compose(LabeledImages source, int count, ReferenceMultiMnistOptions options, int seed, string level = LabelLevels.Fine, string? name = null) =>
        Render(source, Layout(source, count, options, seed, level), options, level, name);

    /// <summary>
    /// One set per overlap bound, as the reference trains one model per overlap level; level i uses seed
    /// <paramref name="seed"/> + i. Keys are the bounds.
    /// </summary>
    public static IReadOnlyDictionary<double, MultiObjectSet> ComposeLevels(LabeledImages source, int count, IEnumerable<double> maxOverlaps, int seed, ReferenceMultiMnistOptions? options = null, string level = LabelLevels.Fine)
    {
        ArgumentNullException.ThrowIfNull(maxOverlaps);
        var levels = maxOverlaps.ToArray();
        if (levels.Length == 0) throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: give at least one overlap level.", nameof(maxOverlaps));
        if (levels.Distinct().Count() != levels.Length) throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: overlap levels must be distinct (got {string.Join(", ", levels)}).", nameof(maxOverlaps));
        var result = new Dictionary<double, MultiObjectSet>();
        for (int i = 0; i < levels.Length; i++)
        {
            var o = options is null ? new ReferenceMultiMnistOptions() : Copy(options);
            o.MaxOverlap = levels[i];
            result[levels[i]] = Compose(source, count, o, seed + i, level);
        }
        return result;
    }

    private static ReferenceMultiMnistOptions Copy(ReferenceMultiMnistOptions o) =>
        new() { Canvas = o.Canvas, OutputSize = o.OutputSize, MaxOverlap = o.MaxOverlap, Attempts = o.Attempts, MaxRedraws = o.MaxRedraws };

    private static (byte[] Pixels, long[] Labels, CanvasBox[] Boxes) Prepare(LabeledImages source, ReferenceMultiMnistOptions options, string level)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var check = new ReferenceMultiMnistOptionsValidator().Validate(null, options);
        if (check.Failed) throw new OptionsValidationException(nameof(ReferenceMultiMnistOptions), typeof(ReferenceMultiMnistOptions), check.Failures);
        if (source.Channels != 1) throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: expected single-channel source images, got {source.Channels} channels.", nameof(source));
        if (source.Height >= options.Canvas || source.Width >= options.Canvas)
            throw new ArgumentException($"{nameof(ReferenceMultiMnist)}: source images of {source.Height}×{source.Width} need a canvas larger than their side (Canvas {options.Canvas}).", nameof(source));
        int h = (int)source.Height, w = (int)source.Width;
        var pixels = source.Images.contiguous().data<byte>().ToArray();
        var labels = source.Labels[level].to(ScalarType.Int64).data<long>().ToArray();
        var boxes = new CanvasBox[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int top = h, left = w, bottom = 0, right = 0;
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (pixels[i * h * w + y * w + x] > 0) { top = Math.Min(top, y); bottom = Math.Max(bottom, y + 1); left = Math.Min(left, x); right = Math.Max(right, x + 1); }
            boxes[i] = bottom == 0 ? new CanvasBox(0, 0, h, w) : new CanvasBox(top, left, bottom, right);
        }
        return (pixels, labels, boxes);
    }
}
