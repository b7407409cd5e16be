using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Grad-CAM (Selvaraju et al. 2017) for any layer of any module: a forward hook on the layer (fired because modules
/// call children with <c>.call</c>) keeps its activation with <c>retain_grad</c>; the target scores are
/// back-propagated; each channel is weighted by its mean gradient, the weighted sum is rectified, upsampled to the
/// image size and scaled to [0, 1] per image. Works on frozen modules (the input is made to require gradients).
/// </summary>
public static class GradCam
{
    /// <summary>Grad-CAM maps (N, H, W) in [0, 1] at image size for one layer.</summary>
    /// <param name="model">The module to explain (it is put in evaluation mode for the pass and restored after).</param>
    /// <param name="layer">A layer inside <paramref name="model"/> producing (N, C, h, w) activations.</param>
    /// <param name="images">Normalised input images (N, C, H, W).</param>
    /// <param name="target">Picks one score per image (N) from the outputs, e.g. <see cref="ArgMax(string)"/>.</param>
    public static Tensor Compute<TOut>(nn.Module<Tensor, TOut> model, nn.Module<Tensor, Tensor> layer, Tensor images, Func<TOut, Tensor> target) =>
        Compute(model, [layer], images, target);

    /// <summary>
    /// Grad-CAM maps summed over several layers (each upsampled to image size) before scaling to [0, 1]; e.g. the
    /// last convolution of both hemispheres gives the whole network's map.
    /// </summary>
    /// <exception cref="ArgumentException">The images are not a float batch, or a layer never ran or gave no 4-D activation.</exception>
    public static Tensor Compute<TOut>(nn.Module<Tensor, TOut> model, IReadOnlyList<nn.Module<Tensor, Tensor>> layers, Tensor images, Func<TOut, Tensor> target)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(target);
        Guard.Rank(images, 4, nameof(GradCam), nameof(images));
        Guard.Floating(images, nameof(GradCam), nameof(images));
        if (layers.Count == 0) throw new ArgumentException("GradCam: at least one layer is required.", nameof(layers));
        bool wasTraining = model.training;
        var captured = new Tensor?[layers.Count];
        var hooks = layers.Select((layer, i) => layer.register_forward_hook((_, _, output) =>
        {
            captured[i]?.Dispose();
            var a = output.alias().DetachFromDisposeScope();
            a.retain_grad();
            captured[i] = a;
            return output;
        })).ToList();
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var grad = enable_grad();
            var x = images.detach().clone().requires_grad_(true);
            var outputs = model.call(x);
            var scores = target(outputs);
            if (scores.dim() != 1 || scores.shape[0] != images.shape[0])
                throw new ArgumentException($"GradCam: the target must give one score per image ({images.shape[0]}), got {Guard.Describe(scores)}.", nameof(target));
            scores.sum().backward();
            long h = images.shape[2], w = images.shape[3];
            Tensor? sum = null;
            for (int i = 0; i < layers.Count; i++)
            {
                var a = captured[i] ?? throw new ArgumentException($"GradCam: layer {i} ({layers[i].GetName()}) did not run in the model's forward pass; pass a layer of this model.", nameof(layers));
                if (a.dim() != 4 || a.grad is null)
                    throw new ArgumentException($"GradCam: layer {i} gave {Guard.Describe(a)} {(a.grad is null ? "without a gradient" : "")}; expected (N, C, h, w) activations on the path to the target.", nameof(layers));
                var weights = a.grad.mean([2, 3], keepdim: true);
                var cam = F.relu((weights * a).sum(1, keepdim: true));
                cam = F.interpolate(cam, size: [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
                sum = sum is null ? cam : sum + cam;
            }
            var maps = sum!.squeeze(1);
            var max = maps.amax([1, 2], keepdim: true);
            var result = torch.where(max > 0, maps / max.clamp_min(1e-12), zeros_like(maps)).detach();
            return result.MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var hook in hooks) hook.remove();
            foreach (var a in captured) a?.Dispose();
            model.zero_grad();
            if (wasTraining) model.train();
        }
    }

    /// <summary>Target: the logit of the predicted (argmax) class of output <paramref name="head"/>.</summary>
    public static Func<Dictionary<string, Tensor>, Tensor> ArgMax(string head) => outputs =>
    {
        if (!outputs.TryGetValue(head, out var logits))
            throw new ArgumentException($"GradCam: the model has no output '{head}'; outputs are [{string.Join(", ", outputs.Keys)}].", nameof(head));
        return logits.gather(1, logits.argmax(1, keepdim: true)).squeeze(1);
    };

    /// <summary>Target for a module returning one logits tensor: the predicted class's logit.</summary>
    public static Tensor ArgMax(Tensor logits) => logits.gather(1, logits.argmax(1, keepdim: true)).squeeze(1);

    /// <summary>
    /// An RGB overlay (3, H, W) in [0, 1]: a jet-like colour map of <paramref name="map"/> (H, W) blended over the
    /// image (C, H, W) with values in [0, 1] (grey images are repeated to RGB).
    /// </summary>
    public static Tensor Overlay(Tensor image, Tensor map, double alpha = 0.5)
    {
        using var scope = NewDisposeScope();
        var img = image.detach().to(ScalarType.Float32).cpu();
        if (img.dim() != 3) throw new ArgumentException($"GradCam.Overlay: expected an image (C, H, W), got {Guard.Describe(image)}.", nameof(image));
        if (img.shape[0] == 1) img = img.expand(3, -1, -1);
        var m = map.detach().to(ScalarType.Float32).cpu().clamp(0, 1);
        var colour = stack([(1.5f - (4 * m - 3).abs()).clamp(0, 1), (1.5f - (4 * m - 2).abs()).clamp(0, 1), (1.5f - (4 * m - 1).abs()).clamp(0, 1)]);
        return (img.clamp(0, 1) * (1 - alpha) + colour * alpha).MoveToOuterDisposeScope();
    }

    /// <summary>Writes one PNG overlay per image: <c>{prefix}-{i}.png</c> in <paramref name="directory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> SaveOverlays(string directory, string prefix, Tensor images01, Tensor maps, double alpha = 0.5)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        for (int i = 0; i < images01.shape[0]; i++)
        {
            using var overlay = Overlay(images01[i], maps[i], alpha);
            var path = Path.Combine(directory, $"{prefix}-{i}.png");
            PngWriter.Write(path, overlay);
            paths.Add(path);
        }
        return paths;
    }
}
