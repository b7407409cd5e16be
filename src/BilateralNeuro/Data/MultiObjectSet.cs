using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>
/// A multi-object image set: float images in [0, 1] (N, 1, S, S), per-object pixel masks (N, G, S, S) (1 inside
/// object g; overlapping pixels belong to several objects), k-hot labels (N, classes) and the achieved largest
/// pairwise bounding-box overlap per image (N). Owns its tensors.
/// </summary>
public sealed class MultiObjectSet : IDisposable
{
    /// <summary>Creates a set; takes ownership of the tensors.</summary>
    public MultiObjectSet(string name, Tensor images, Tensor masks, Tensor labels, Tensor overlap)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(overlap);
        if (images.dim() != 4 || masks.dim() != 4 || labels.dim() != 2 || images.shape[0] != masks.shape[0] || images.shape[0] != labels.shape[0]
            || masks.shape[2] != images.shape[2] || masks.shape[3] != images.shape[3])
            throw new ArgumentException($"{nameof(MultiObjectSet)} '{name}': inconsistent shapes images {Guard.Describe(images)}, masks {Guard.Describe(masks)}, labels {Guard.Describe(labels)}.");
        Name = name;
        Images = images;
        Masks = masks;
        Labels = labels;
        Overlap = overlap;
    }

    /// <summary>Name, e.g. <c>multi-mnist/2-objects/overlap-0.25/test</c>.</summary>
    public string Name { get; }
    /// <summary>Images (N, 1, S, S) float32 in [0, 1].</summary>
    public Tensor Images { get; }
    /// <summary>Object masks (N, G, S, S) float32 in {0, 1}.</summary>
    public Tensor Masks { get; }
    /// <summary>k-hot labels (N, classes) float32.</summary>
    public Tensor Labels { get; }
    /// <summary>Largest pairwise bounding-box overlap (intersection / smaller box area) per image (N).</summary>
    public Tensor Overlap { get; }
    /// <summary>Number of images.</summary>
    public long Count => Images.shape[0];
    /// <summary>Objects per image.</summary>
    public long Objects => Masks.shape[1];

    /// <summary>The images, masks and labels at the given indices (copies).</summary>
    public MultiObjectSet Subset(long[] indices, string? name = null)
    {
        using var idx = torch.tensor(indices, ScalarType.Int64);
        return new MultiObjectSet(name ?? Name, Images.index_select(0, idx), Masks.index_select(0, idx), Labels.index_select(0, idx), Overlap.index_select(0, idx));
    }

    /// <summary>Splits off a validation part with a seeded permutation (model selection never sees the test set).</summary>
    public (MultiObjectSet Train, MultiObjectSet Validation) SplitValidation(double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Validation fraction must lie strictly between 0 and 1.");
        var order = Enumerable.Range(0, (int)Count).Select(i => (long)i).ToArray();
        new Random(seed).Shuffle(order);
        int nVal = Math.Max(1, (int)Math.Round(Count * fraction));
        return (Subset(order[nVal..], Name + "/train-split"), Subset(order[..nVal], Name + "/validation"));
    }

    /// <summary>Adds Gaussian noise of the given variance and clips to [0, 1] (masks and labels unchanged).</summary>
    public MultiObjectSet WithNoise(double variance, int seed)
    {
        if (!(variance >= 0)) throw new ArgumentOutOfRangeException(nameof(variance), variance, "Noise variance must be >= 0.");
        var g = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var noisy = (Images + torch.randn(Images.shape, generator: g) * Math.Sqrt(variance)).clamp(0, 1);
        return new MultiObjectSet(Name + $"/noise-{variance}", noisy.DetachFromDisposeScope(), Masks.clone().DetachFromDisposeScope(), Labels.clone().DetachFromDisposeScope(), Overlap.clone().DetachFromDisposeScope());
    }

    /// <summary>
    /// Applies one random affine transform per image — rotation by ±<paramref name="degrees"/>, scale by a factor
    /// in [<paramref name="minScale"/>, <paramref name="maxScale"/>], translation by up to ±<paramref name="shift"/>
    /// of the image size — to images (bilinear) and masks (nearest), for out-of-distribution tests.
    /// </summary>
    public MultiObjectSet Transformed(double degrees, double minScale, double maxScale, double shift, int seed, string? suffix = null)
    {
        if (!(minScale > 0) || maxScale < minScale) throw new ArgumentOutOfRangeException(nameof(minScale), "Scales must satisfy 0 < min <= max.");
        var rng = new Random(seed);
        long n = Count;
        var theta = new float[n * 6];
        for (long i = 0; i < n; i++)
        {
            double a = (rng.NextDouble() * 2 - 1) * degrees * Math.PI / 180;
            double s = minScale + rng.NextDouble() * (maxScale - minScale);
            double tx = (rng.NextDouble() * 2 - 1) * shift * 2, ty = (rng.NextDouble() * 2 - 1) * shift * 2; // grid spans [-1, 1]
            // affine_grid maps output to input coordinates: inverse of "scale by s, rotate by a, shift by t".
            double c = Math.Cos(a) / s, sn = Math.Sin(a) / s;
            theta[i * 6 + 0] = (float)c; theta[i * 6 + 1] = (float)sn; theta[i * 6 + 2] = (float)(-(c * tx + sn * ty));
            theta[i * 6 + 3] = (float)-sn; theta[i * 6 + 4] = (float)c; theta[i * 6 + 5] = (float)(-(-sn * tx + c * ty));
        }
        using var scope = NewDisposeScope();
        var th = torch.tensor(theta).reshape(n, 2, 3);
        var grid = F.affine_grid(th, Images.shape, align_corners: false);
        var img = F.grid_sample(Images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false).clamp(0, 1);
        var gridM = F.affine_grid(th, Masks.shape, align_corners: false);
        var masks = F.grid_sample(Masks, gridM, GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, align_corners: false);
        return new MultiObjectSet(Name + "/" + (suffix ?? "transformed"), img.DetachFromDisposeScope(), masks.DetachFromDisposeScope(), Labels.clone().DetachFromDisposeScope(), Overlap.clone().DetachFromDisposeScope());
    }

    /// <summary>
    /// The images as a <see cref="LabeledImages"/> (uint8) with the k-hot labels as level <paramref name="level"/>,
    /// so the shared Trainer can train a multi-label head on it.
    /// </summary>
    public LabeledImages ToLabeledImages(string level = "labels")
    {
        var bytes = Images.mul(255).round().clamp(0, 255).to(ScalarType.Byte);
        return new LabeledImages(Name, bytes, new Dictionary<string, Tensor> { [level] = Labels.clone() }, source: "composed");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Masks.Dispose();
        Labels.Dispose();
        Overlap.Dispose();
    }
}
