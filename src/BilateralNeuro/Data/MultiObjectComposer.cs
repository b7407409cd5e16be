using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>Options of <see cref="MultiObjectComposer"/>; defaults follow the KomplexNet multi-MNIST sets.</summary>
public sealed class MultiObjectOptions
{
    /// <summary>Objects per image, each of a different class (2 or 3).</summary>
    public int Objects { get; set; } = 2;
    /// <summary>
    /// Target bounding-box overlap: every new object's largest overlap (intersection / smaller box area) with the
    /// objects already placed lies within <see cref="OverlapTolerance"/> of it (0 = boxes never intersect).
    /// </summary>
    public double Overlap { get; set; }
    /// <summary>Allowed deviation from <see cref="Overlap"/> (ignored at 0, which is exact).</summary>
    public double OverlapTolerance { get; set; } = 0.08;
    /// <summary>Canvas side in pixels (50).</summary>
    public int Canvas { get; set; } = 50;
    /// <summary>Output side after resizing (32).</summary>
    public int OutputSize { get; set; } = 32;
    /// <summary>Source pixel value (0-255) above which a pixel belongs to a digit's mask.</summary>
    public int MaskThreshold { get; set; }
    /// <summary>Position attempts per object before the closest attempt is kept.</summary>
    public int Attempts { get; set; } = 300;
}

/// <summary>Validates <see cref="MultiObjectOptions"/>.</summary>
public sealed class MultiObjectOptionsValidator : IValidateOptions<MultiObjectOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MultiObjectOptions o)
    {
        var e = new ValidateOptionsResultBuilder();
        if (o.Objects < 1) e.AddError($"Objects must be at least 1 (got {o.Objects}).");
        if (o.Overlap is < 0 or > 1) e.AddError($"Overlap must lie in [0, 1] (got {o.Overlap}).");
        if (o.OverlapTolerance is < 0 or > 1) e.AddError($"OverlapTolerance must lie in [0, 1] (got {o.OverlapTolerance}).");
        if (o.Canvas < 28) e.AddError($"Canvas must be at least the digit size 28 (got {o.Canvas}).");
        if (o.OutputSize < 4) e.AddError($"OutputSize must be at least 4 (got {o.OutputSize}).");
        if (o.MaskThreshold is < 0 or > 254) e.AddError($"MaskThreshold must lie in [0, 254] (got {o.MaskThreshold}).");
        if (o.Attempts < 1) e.AddError($"Attempts must be at least 1 (got {o.Attempts}).");
        return e.Build();
    }
}

/// <summary>
/// Composes multi-object images from single-object images (e.g. MNIST digits): each image holds
/// <see cref="MultiObjectOptions.Objects"/> objects of different classes, cropped to their bounding boxes and placed
/// at random positions on a canvas with controlled bounding-box overlap, summed with saturation at 255, resized to the
/// output size (area averaging; masks nearest), with per-object masks and k-hot labels. Deterministic in the seed.
/// Compose the test set from held-out source images (e.g. the digits' test split).
/// </summary>
public static class MultiObjectComposer
{
    /// <summary>Composes <paramref name="count"/> images from <paramref name="source"/> (1 channel, uint8, int64 labels at <paramref name="level"/>).</summary>
    public static MultiObjectSet Compose(LabeledImages source, int count, MultiObjectOptions options, int seed, string level = LabelLevels.Fine, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var check = new MultiObjectOptionsValidator().Validate(null, options);
        if (check.Failed) throw new OptionsValidationException(nameof(MultiObjectOptions), typeof(MultiObjectOptions), check.Failures);
        if (source.Channels != 1) throw new ArgumentException($"{nameof(MultiObjectComposer)}: expected single-channel source images, got {source.Channels} channels.", nameof(source));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Count must be positive.");
        int classes = source.ClassCount(level);
        int g = options.Objects, cs = options.Canvas, h = (int)source.Height, w = (int)source.Width;
        if (g > classes) throw new ArgumentException($"{nameof(MultiObjectComposer)}: {g} objects of different classes need at least {g} classes, the source has {classes}.", nameof(options));
        var pixels = source.Images.contiguous().data<byte>().ToArray();
        var labels = source.Labels[level].to(ScalarType.Int64).data<long>().ToArray();
        var byClass = Enumerable.Range(0, classes).Select(c => new List<int>()).ToArray();
        for (int i = 0; i < labels.Length; i++) byClass[labels[i]].Add(i);
        var present = Enumerable.Range(0, classes).Where(c => byClass[c].Count > 0).ToArray();
        if (present.Length < g) throw new ArgumentException($"{nameof(MultiObjectComposer)}: only {present.Length} classes have images; {g} are needed.", nameof(source));
        var boxes = new (int Top, int Left, int Bottom, int Right)[labels.Length];
        for (int i = 0; i < labels.Length; i++) boxes[i] = Box(pixels, i * h * w, h, w);

        var rng = new Random(seed);
        var canvas = new float[count * cs * cs];
        var masks = new float[count * g * cs * cs];
        var khot = new float[count * classes];
        var achieved = new float[count];
        for (int n = 0; n < count; n++)
        {
            var chosen = present.OrderBy(_ => rng.Next()).Take(g).ToArray();
            var picks = chosen.Select(cls => byClass[cls][rng.Next(byClass[cls].Count)]).ToArray();
            // Place all objects; restart the whole layout (a first object in the middle can leave no room) until
            // every object meets the overlap target or the restarts run out (the layout with least error is kept).
            List<(int Top, int Left, int Bottom, int Right)> placed = [];
            double worst = 0, layoutErr = double.MaxValue;
            for (int restart = 0; restart < 20 && layoutErr > 0; restart++)
            {
                var trial = new List<(int Top, int Left, int Bottom, int Right)>();
                double trialWorst = 0, trialErr = 0;
                foreach (var idx in picks)
                {
                    var b = boxes[idx];
                    int bh = b.Bottom - b.Top, bw = b.Right - b.Left;
                    (int y, int x) best = (0, 0);
                    double bestErr = double.MaxValue, bestOverlap = 0;
                    for (int a = 0; a < options.Attempts; a++)
                    {
                        int y = rng.Next(cs - bh + 1), x = rng.Next(cs - bw + 1);
                        double ov = trial.Count == 0 ? options.Overlap : trial.Max(p => BoxOverlap(p, (y, x, y + bh, x + bw)));
                        double err = trial.Count == 0 ? 0 : options.Overlap == 0 ? ov : Math.Max(0, Math.Abs(ov - options.Overlap) - options.OverlapTolerance);
                        if (err < bestErr) { bestErr = err; best = (y, x); bestOverlap = ov; }
                        if (err == 0) break;
                    }
                    trial.Add((best.y, best.x, best.y + bh, best.x + bw));
                    if (trial.Count > 1) trialWorst = Math.Max(trialWorst, bestOverlap);
                    trialErr += bestErr;
                }
                if (trialErr < layoutErr) { layoutErr = trialErr; placed = trial; worst = trialWorst; }
            }
            for (int k = 0; k < g; k++)
            {
                int cls = chosen[k], idx = picks[k];
                var b = boxes[idx];
                int bh = b.Bottom - b.Top, bw = b.Right - b.Left;
                (int y, int x) best = (placed[k].Top, placed[k].Left);
                khot[n * classes + cls] = 1;
                int src = idx * h * w;
                for (int yy = 0; yy < bh; yy++)
                for (int xx = 0; xx < bw; xx++)
                {
                    byte v = pixels[src + (b.Top + yy) * w + b.Left + xx];
                    int dst = (best.y + yy) * cs + best.x + xx;
                    canvas[n * cs * cs + dst] = Math.Min(255f, canvas[n * cs * cs + dst] + v);
                    if (v > options.MaskThreshold) masks[(n * g + k) * cs * cs + dst] = 1;
                }
            }
            achieved[n] = (float)worst;
        }
        using var scope = NewDisposeScope();
        int s = options.OutputSize;
        var img = F.interpolate(torch.tensor(canvas).reshape(count, 1, cs, cs) / 255f, [s, s], mode: InterpolationMode.Area).clamp(0, 1);
        var m = F.interpolate(torch.tensor(masks).reshape(count, g, cs, cs), [s, s], mode: InterpolationMode.Nearest);
        var set = new MultiObjectSet(name ?? $"{source.Name}/{g}-objects/overlap-{options.Overlap}",
            img.DetachFromDisposeScope(), m.DetachFromDisposeScope(), torch.tensor(khot).reshape(count, classes).DetachFromDisposeScope(),
            torch.tensor(achieved).DetachFromDisposeScope());
        return set;
    }

    /// <summary>Intersection area of two boxes over the smaller box's area.</summary>
    public static double BoxOverlap((int Top, int Left, int Bottom, int Right) a, (int Top, int Left, int Bottom, int Right) b)
    {
        int ih = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top), iw = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left);
        if (ih <= 0 || iw <= 0) return 0;
        double small = Math.Min((a.Bottom - a.Top) * (a.Right - a.Left), (b.Bottom - b.Top) * (b.Right - b.Left));
        return ih * iw / Math.Max(1, small);
    }

    private static (int, int, int, int) Box(byte[] p, int offset, int h, int w)
    {
        int top = h, left = w, bottom = 0, right = 0;
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (p[offset + y * w + x] > 0) { top = Math.Min(top, y); bottom = Math.Max(bottom, y + 1); left = Math.Min(left, x); right = Math.Max(right, x + 1); }
        return bottom == 0 ? (0, 0, h, w) : (top, left, bottom, right);
    }

    /// <summary>
    /// Ten classes of synthetic 28×28 "digits" (bars, crosses, boxes, rings, ...) with random size, thickness and
    /// position jitter, for tests and for runs without the embedded digits. Level <c>fine</c>.
    /// </summary>
    public static LabeledImages SyntheticDigits(int perClass, int seed, string name = "synthetic-digits")
    {
        if (perClass < 1) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "Need at least one image per class.");
        var rng = new Random(seed);
        int n = perClass * 10;
        var data = new byte[n * 28 * 28];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % 10;
            labels[i] = c;
            int half = 6 + rng.Next(4), t = 1 + rng.Next(2), cy = 14 + rng.Next(-2, 3), cx = 14 + rng.Next(-2, 3);
            for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                int dy = y - cy, dx = x - cx;
                bool inside = Math.Abs(dy) <= half && Math.Abs(dx) <= half;
                double r = Math.Sqrt(dx * dx + dy * dy);
                bool on = c switch
                {
                    0 => inside && Math.Abs(dy) <= t,                                        // horizontal bar
                    1 => inside && Math.Abs(dx) <= t,                                        // vertical bar
                    2 => inside && Math.Abs(dx - dy) <= t,                                   // diagonal
                    3 => inside && (Math.Abs(dx) <= t || Math.Abs(dy) <= t),                 // plus
                    4 => inside && (Math.Abs(dx) >= half - t || Math.Abs(dy) >= half - t),   // square outline
                    5 => r <= half * 0.8,                                                    // disk
                    6 => Math.Abs(r - half * 0.8) <= t,                                      // ring
                    7 => inside && (Math.Abs(dx + half - t) <= t || Math.Abs(dy - half + t) <= t), // L
                    8 => inside && (Math.Abs(dy + half - t) <= t || Math.Abs(dx) <= t),      // T
                    _ => inside && (Math.Abs(dx - dy) <= t || Math.Abs(dx + dy) <= t),       // X
                };
                if (on) data[i * 784 + y * 28 + x] = (byte)(200 + rng.Next(56));
            }
        }
        var names = Enumerable.Range(0, 10).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new LabeledImages(name, torch.tensor(data).reshape(n, 1, 28, 28), new Dictionary<string, Tensor> { [LabelLevels.Fine] = torch.tensor(labels) },
            new Dictionary<string, IReadOnlyList<string>> { [LabelLevels.Fine] = names }, "synthetic");
    }
}
