using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Beyond.Training;

/// <summary>Self-supervised losses and views for hemispheres trained without labels.</summary>
public static class SelfSupervision
{
    /// <summary>
    /// NT-Xent (SimCLR) loss of two views' embeddings (N, D) each: for every sample, cross-entropy of picking its other
    /// view among the 2N - 1 other embeddings by cosine similarity / <paramref name="temperature"/>.
    /// </summary>
    public static Tensor Contrastive(Tensor a, Tensor b, double temperature)
    {
        Guard.Rank(a, 2, nameof(SelfSupervision), nameof(a));
        Guard.Rank(b, 2, nameof(SelfSupervision), nameof(b));
        if (!a.shape.SequenceEqual(b.shape)) throw new ArgumentException($"SelfSupervision: views must have the same shape; got {Guard.Describe(a)} and {Guard.Describe(b)}.", nameof(b));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "SelfSupervision: temperature must be positive.");
        using var scope = NewDisposeScope();
        long n = a.shape[0];
        var z = F.normalize(cat([a, b], 0), p: 2, dim: 1);
        var sim = z.mm(z.t()) / temperature;
        sim = sim.masked_fill(eye(2 * n, dtype: ScalarType.Bool, device: z.device), double.NegativeInfinity);
        var target = cat([arange(n, 2 * n), arange(0, n)]).to(z.device);
        return F.cross_entropy(sim, target).MoveToOuterDisposeScope();
    }

    /// <summary>A random view of normalised images (N, C, H, W): per-sample translation up to <paramref name="shift"/> (fraction of the half-size) and Gaussian noise.</summary>
    public static Tensor View(Tensor images, double shift, double noise, Generator? generator = null)
    {
        Guard.Rank(images, 4, nameof(SelfSupervision), nameof(images));
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var t = (rand([n, 2], generator: generator) * 2 - 1) * (2 * shift);
        var theta = zeros(n, 2, 3);
        theta[.., 0, 0] = ones(n);
        theta[.., 1, 1] = ones(n);
        theta[.., .., 2] = t;
        var grid = F.affine_grid(theta.to(images.device), images.shape, align_corners: false);
        var x = F.grid_sample(images, grid, padding_mode: GridSamplePaddingMode.Border, align_corners: false);
        if (noise > 0) x = x + randn(images.shape, generator: generator).to(images.device) * noise;
        return x.MoveToOuterDisposeScope();
    }
}
