using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>What hides part of the object.</summary>
public enum OccluderKind
{
    /// <summary>Square patches of a constant grey value.</summary>
    Patches,
    /// <summary>"Digit debris": square fragments cut from other images (of other classes) pasted over the object.</summary>
    Debris,
}

/// <summary>Options of <see cref="Occlusion"/>.</summary>
public sealed class OcclusionOptions
{
    /// <summary>Smallest patch side in pixels.</summary>
    public int MinPatch { get; set; } = 4;
    /// <summary>Largest patch side in pixels.</summary>
    public int MaxPatch { get; set; } = 8;
    /// <summary>Grey value of <see cref="OccluderKind.Patches"/>.</summary>
    public byte PatchValue { get; set; } = 128;
    /// <summary>A pixel counts as object ("ink") above this value (max over channels).</summary>
    public byte InkThreshold { get; set; } = 64;
}

/// <summary>
/// Occluded and cluttered variants of an image set with controlled levels. The occluded fraction of an image is the
/// fraction of its object pixels (ink above <see cref="OcclusionOptions.InkThreshold"/>) covered by occluders;
/// occluders are placed centred on random object pixels until the target fraction is reached, and the achieved
/// fraction is stored per image as the float label level <see cref="Level"/>.
/// </summary>
public static class Occlusion
{
    /// <summary>Label level holding each image's achieved occluded fraction (float32, N).</summary>
    public const string Level = "occlusion";
    /// <summary>Label level holding each image's number of clutter fragments (float32, N).</summary>
    public const string ClutterLevel = "clutter";

    /// <summary>Occludes every image to (about) <paramref name="fraction"/> of its object pixels.</summary>
    public static LabeledImages Apply(LabeledImages source, OccluderKind kind, double fraction, int seed, OcclusionOptions? options = null) =>
        Apply(source, kind, _ => fraction, seed, options);

    /// <summary>Occludes each image to a fraction drawn uniformly from [0, <paramref name="maxFraction"/>].</summary>
    public static LabeledImages ApplyMixed(LabeledImages source, OccluderKind kind, double maxFraction, int seed, OcclusionOptions? options = null)
    {
        var rng = new Random(HashCode.Combine(seed, 0x3a1));
        return Apply(source, kind, _ => rng.NextDouble() * maxFraction, seed, options);
    }

    /// <summary>Occludes image i to the fraction <paramref name="fractionOf"/>(i).</summary>
    public static LabeledImages Apply(LabeledImages source, OccluderKind kind, Func<int, double> fractionOf, int seed, OcclusionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(fractionOf);
        var o = Check(options ?? new OcclusionOptions());
        var (pixels, n, c, h, w) = Read(source);
        var labels = LabelsOf(source);
        var result = (byte[])pixels.Clone();
        var achieved = new float[n];
        var rng = new Random(seed);
        int plane = h * w, image = c * plane;
        for (int i = 0; i < n; i++)
        {
            double target = fractionOf(i);
            if (target is < 0 or > 1 || double.IsNaN(target)) throw new ArgumentOutOfRangeException(nameof(fractionOf), target, "Occlusion: fractions must lie in [0, 1].");
            var ink = InkPixels(pixels, i * image, c, plane, o.InkThreshold);
            if (ink.Count == 0 || target <= 0) continue;
            var covered = new bool[plane];
            int coveredCount = 0, needed = (int)Math.Ceiling(target * ink.Count);
            for (int attempt = 0; attempt < 400 && coveredCount < needed; attempt++)
            {
                int side = rng.Next(o.MinPatch, o.MaxPatch + 1);
                int centre = ink[rng.Next(ink.Count)];
                int y0 = Math.Clamp(centre / w - side / 2, 0, Math.Max(0, h - side)), x0 = Math.Clamp(centre % w - side / 2, 0, Math.Max(0, w - side));
                int sh = Math.Min(side, h), sw = Math.Min(side, w);
                if (kind == OccluderKind.Patches)
                    for (int ch = 0; ch < c; ch++)
                        for (int y = y0; y < y0 + sh; y++)
                            Array.Fill(result, o.PatchValue, i * image + ch * plane + y * w + x0, sw);
                else
                    PasteFragment(pixels, result, i, labels, n, c, h, w, y0, x0, sh, sw, rng, o.InkThreshold, overwrite: true);
                for (int y = y0; y < y0 + sh; y++)
                    for (int x = x0; x < x0 + sw; x++)
                    {
                        int k = y * w + x;
                        if (!covered[k] && IsInk(pixels, i * image, c, plane, k, o.InkThreshold)) { covered[k] = true; coveredCount++; }
                    }
            }
            achieved[i] = (float)coveredCount / ink.Count;
        }
        return Rebuild(source, result, n, c, h, w, Level, achieved, $"occluded by {kind}");
    }

    /// <summary>
    /// Adds <paramref name="fragments"/> fragments of other images (other classes) at random places, combined by
    /// pixel maximum so they add distracting ink without hiding the object (clutter).
    /// </summary>
    public static LabeledImages Clutter(LabeledImages source, int fragments, int seed, OcclusionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (fragments < 0) throw new ArgumentOutOfRangeException(nameof(fragments), fragments, "Occlusion: the number of clutter fragments must be >= 0.");
        var o = Check(options ?? new OcclusionOptions());
        var (pixels, n, c, h, w) = Read(source);
        var labels = LabelsOf(source);
        var result = (byte[])pixels.Clone();
        var rng = new Random(seed);
        for (int i = 0; i < n; i++)
            for (int f = 0; f < fragments; f++)
            {
                int side = rng.Next(o.MinPatch, o.MaxPatch + 1);
                int sh = Math.Min(side, h), sw = Math.Min(side, w);
                PasteFragment(pixels, result, i, labels, n, c, h, w, rng.Next(0, h - sh + 1), rng.Next(0, w - sw + 1), sh, sw, rng, o.InkThreshold, overwrite: false);
            }
        return Rebuild(source, result, n, c, h, w, ClutterLevel, Enumerable.Repeat((float)fragments, n).ToArray(), $"clutter {fragments}");
    }

    /// <summary>The images whose label at <paramref name="level"/> is below <paramref name="classes"/> (a task with fewer classes).</summary>
    public static LabeledImages FirstClasses(LabeledImages source, int classes, string level = LabelLevels.Fine)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "Occlusion: a task needs at least 2 classes.");
        var y = source.Labels[level].data<long>().ToArray();
        var idx = Enumerable.Range(0, y.Length).Where(i => y[i] < classes).Select(i => (long)i).ToArray();
        var subset = source.Subset(idx, $"{source.Name}/{classes}-classes");
        if (source.ClassNames.TryGetValue(level, out var names) && names.Count >= classes)
            return subset.WithLabels(level, subset.Labels[level], names.Take(classes).ToList());
        return subset;
    }

    private static OcclusionOptions Check(OcclusionOptions o)
    {
        if (o.MinPatch < 1 || o.MaxPatch < o.MinPatch)
            throw new ArgumentException($"Occlusion: patch sides must satisfy 1 <= MinPatch <= MaxPatch (got {o.MinPatch}, {o.MaxPatch}).", nameof(o));
        return o;
    }

    private static (byte[] Pixels, int N, int C, int H, int W) Read(LabeledImages s) =>
        (s.Images.contiguous().data<byte>().ToArray(), (int)s.Count, (int)s.Channels, (int)s.Height, (int)s.Width);

    private static long[]? LabelsOf(LabeledImages s) =>
        s.Labels.TryGetValue(LabelLevels.Fine, out var y) && y.dim() == 1 && y.dtype == ScalarType.Int64 ? y.data<long>().ToArray() : null;

    private static bool IsInk(byte[] p, int offset, int c, int plane, int k, byte threshold)
    {
        for (int ch = 0; ch < c; ch++) if (p[offset + ch * plane + k] > threshold) return true;
        return false;
    }

    private static List<int> InkPixels(byte[] p, int offset, int c, int plane, byte threshold)
    {
        var ink = new List<int>();
        for (int k = 0; k < plane; k++) if (IsInk(p, offset, c, plane, k, threshold)) ink.Add(k);
        return ink;
    }

    private static void PasteFragment(byte[] pixels, byte[] result, int i, long[]? labels, int n, int c, int h, int w,
        int y0, int x0, int sh, int sw, Random rng, byte threshold, bool overwrite)
    {
        int plane = h * w, image = c * plane;
        int donor = i, sy = 0, sx = 0;
        for (int tries = 0; tries < 8; tries++)
        {
            int d = rng.Next(n);
            if (n > 1 && (d == i || (labels is not null && labels[d] == labels[i]))) continue;
            int ty = rng.Next(0, h - sh + 1), tx = rng.Next(0, w - sw + 1), inkCount = 0;
            for (int y = ty; y < ty + sh; y++)
                for (int x = tx; x < tx + sw; x++)
                    if (IsInk(pixels, d * image, c, plane, y * w + x, threshold)) inkCount++;
            donor = d; sy = ty; sx = tx;
            if (inkCount >= 0.15 * sh * sw) break;
        }
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < sh; y++)
                for (int x = 0; x < sw; x++)
                {
                    int dst = i * image + ch * plane + (y0 + y) * w + x0 + x;
                    byte v = pixels[donor * image + ch * plane + (sy + y) * w + sx + x];
                    result[dst] = overwrite ? v : Math.Max(result[dst], v);
                }
    }

    private static LabeledImages Rebuild(LabeledImages source, byte[] pixels, int n, int c, int h, int w, string level, float[] values, string what)
    {
        var images = tensor(pixels, ScalarType.Byte).reshape(n, c, h, w);
        var labels = source.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        labels[level] = tensor(values);
        return new LabeledImages($"{source.Name}/{what}", images, labels, source.ClassNames, source.Source);
    }
}
