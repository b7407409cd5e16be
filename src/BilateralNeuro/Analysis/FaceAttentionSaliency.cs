using BilateralNeuro.Attention;
using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Grad-CAM saliency of a transfer model split over face regions: the share of each image's Grad-CAM mass (last conv
/// block's ReLU, predicted class) that falls inside the eye-and-brow, nose and mouth boxes of
/// <see cref="FaceGenerator.RegionMasks"/>, averaged over images.
/// </summary>
public static class FaceAttentionSaliency
{
    /// <summary>Mean share of saliency per region (each in [0, 1]; the rest lies outside the three boxes).</summary>
    /// <param name="model">A transfer model (AlexNet, VGG, FE-AlexNet).</param>
    /// <param name="images">Normalised images (N, 3, H, W) on the model's device.</param>
    /// <param name="masks">Boolean region masks (N, H, W) per region.</param>
    public static IReadOnlyDictionary<FaceOcclusion, double> RegionShares(TransferModel model, Tensor images, IReadOnlyDictionary<FaceOcclusion, Tensor> masks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(masks);
        using var scope = NewDisposeScope();
        var layer = (nn.Module<Tensor, Tensor>)model.Features[model.Backbone.ConvBlocks[^1].EndIndex - 1];
        var maps = GradCam.Compute(model, layer, images, GradCam.ArgMax(model.Head)).cpu();
        var total = maps.sum([1, 2]) + 1e-8f;
        var shares = new Dictionary<FaceOcclusion, double>();
        foreach (var (region, mask) in masks)
        {
            if (mask.dim() != 3 || mask.shape[0] != maps.shape[0] || mask.shape[1] != maps.shape[1] || mask.shape[2] != maps.shape[2])
                throw new ArgumentException($"FaceAttentionSaliency: mask for {region} has shape {Core.Guard.Describe(mask)}, expected {Core.Guard.Describe(maps)}.", nameof(masks));
            shares[region] = ((maps * mask.cpu().to(ScalarType.Float32)).sum([1, 2]) / total).mean().item<float>();
        }
        return shares;
    }

    /// <summary>
    /// Writes the Grad-CAM maps of <paramref name="normalised"/> (model input) as overlays on <paramref name="images01"/>
    /// (the same images in [0, 1]) side by side in one PNG; each map is scaled to its own maximum.
    /// </summary>
    /// <returns>The written path.</returns>
    public static string WriteStrip(TransferModel model, Tensor normalised, Tensor images01, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normalised);
        ArgumentNullException.ThrowIfNull(images01);
        using var scope = NewDisposeScope();
        var layer = (nn.Module<Tensor, Tensor>)model.Features[model.Backbone.ConvBlocks[^1].EndIndex - 1];
        var maps = GradCam.Compute(model, layer, normalised, GradCam.ArgMax(model.Head)).cpu();
        var peak = maps.amax([1, 2], keepdim: true) + 1e-8f;
        maps = maps / peak;
        var tiles = Enumerable.Range(0, (int)maps.shape[0]).Select(i => GradCam.Overlay(images01[i].cpu(), maps[i])).ToArray();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        PngWriter.Write(path, cat(tiles, 2));
        return path;
    }
}
