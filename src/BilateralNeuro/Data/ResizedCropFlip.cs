using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>
/// Whole-batch random resized crop + horizontal flip, the stand-in lab's transfer augmentation
/// (<c>transforms.RandomResizedCrop(224)</c> + <c>RandomHorizontalFlip()</c> in JyBmegan/SE-AlexNet
/// <c>3_Ablation(Codes)/mydataset.py</c>), as one affine resampling of the batch: each image gets a crop of area
/// fraction in [<see cref="MinScale"/>, <see cref="MaxScale"/>] and aspect ratio in [3/4, 4/3] (log-uniform; a side longer
/// than the image is clamped to it, so the area can fall short), resized
/// back to the input size (bilinear), mirrored with probability 0.5. Use it on a <see cref="BatchSource"/> batch loaded
/// with <c>augment: false</c> (normalisation commutes with bilinear resampling inside the image, so order does not
/// matter); draws come from the given generator, so a seeded generator reseeded per epoch repeats an epoch exactly.
/// </summary>
/// <param name="MinScale">Smallest crop area as a fraction of the image (torchvision: 0.08).</param>
/// <param name="MaxScale">Largest crop area fraction (torchvision: 1).</param>
/// <param name="Flip">Mirror half of the images.</param>
/// <param name="MaxRatio">Largest aspect ratio of the crop (torchvision: 4/3, drawn log-uniformly in [1/MaxRatio, MaxRatio]); 1 keeps crops square.</param>
public sealed record ResizedCropFlip(double MinScale = 0.08, double MaxScale = 1.0, bool Flip = true, double MaxRatio = 4.0 / 3.0)
{
    /// <summary>A gentler crop for small procedural faces (area 0.6..1): 0.08 would often cut the mouth or eyes away.</summary>
    public static ResizedCropFlip Faces { get; } = new(0.6, 1.0, true);

    /// <summary>Crops, resizes and flips a float batch (N, C, H, W); returns a new tensor of the same shape.</summary>
    /// <exception cref="ArgumentException">Not a float image batch, or invalid scales.</exception>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Guard.Rank(images, 4, nameof(ResizedCropFlip), nameof(images));
        Guard.Floating(images, nameof(ResizedCropFlip), nameof(images));
        if (!(MinScale > 0 && MinScale <= MaxScale && MaxScale <= 1))
            throw new ArgumentException($"ResizedCropFlip: need 0 < MinScale <= MaxScale <= 1 (got {MinScale}, {MaxScale}).");
        if (!(MaxRatio >= 1) || double.IsInfinity(MaxRatio))
            throw new ArgumentException($"ResizedCropFlip: MaxRatio must be a finite number >= 1 (got {MaxRatio}).");
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var draws = torch.rand([n, 5], generator: generator, dtype: ScalarType.Float64);
        var area = draws[.., 0] * (MaxScale - MinScale) + MinScale;
        var logRatio = (draws[.., 1] * 2 - 1) * Math.Log(MaxRatio);
        var ratio = logRatio.exp();
        var w = (area * ratio).sqrt().clamp_max(1.0);   // crop width and height as fractions of the side
        var h = (area / ratio).sqrt().clamp_max(1.0);
        var cx = (draws[.., 2] * 2 - 1) * (1 - w);     // centre in [-1, 1] coordinates, crop stays inside
        var cy = (draws[.., 3] * 2 - 1) * (1 - h);
        var sign = Flip ? torch.where(draws[.., 4] < 0.5, -1.0, 1.0) : torch.ones(n, dtype: ScalarType.Float64);
        var zero = torch.zeros(n, dtype: ScalarType.Float64);
        var theta = torch.stack([torch.stack([w * sign, zero, cx], 1), torch.stack([zero, h, cy], 1)], 1)
            .to(images.dtype).to(images.device);
        var grid = F.affine_grid(theta, images.shape, align_corners: false);
        return F.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false).MoveToOuterDisposeScope();
    }
}
