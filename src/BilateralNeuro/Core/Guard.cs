using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Core;

/// <summary>
/// Input checks at module boundaries. Every failure is an <see cref="ArgumentException"/> whose message names the
/// module, what it expected and what it got, thrown before any native call.
/// </summary>
public static class Guard
{
    /// <summary>Checks the tensor's rank.</summary>
    public static void Rank(Tensor input, int rank, string module, string argument = "input")
    {
        ArgumentNullException.ThrowIfNull(input, argument);
        if (input.dim() != rank)
            throw new ArgumentException(
                $"{module}: expected {argument} of rank {rank}, got rank {input.dim()} with shape {Describe(input)}.", argument);
    }

    /// <summary>Checks an image batch: rank 4 (N, C, H, W), <paramref name="channels"/> channels, floating dtype.</summary>
    public static void ImageBatch(Tensor input, long channels, string module, string argument = "input", long minSize = 1)
    {
        Rank(input, 4, module, argument);
        if (input.shape[1] != channels)
            throw new ArgumentException(
                $"{module}: expected {argument} with {channels} channels (N, {channels}, H, W), got shape {Describe(input)}.", argument);
        if (input.shape[2] < minSize || input.shape[3] < minSize)
            throw new ArgumentException(
                $"{module}: expected {argument} of at least {minSize}x{minSize} pixels, got shape {Describe(input)}.", argument);
        Floating(input, module, argument);
    }

    /// <summary>Checks a feature batch: rank 2 (N, <paramref name="features"/>).</summary>
    public static void Features(Tensor input, long features, string module, string argument = "input")
    {
        Rank(input, 2, module, argument);
        if (input.shape[1] != features)
            throw new ArgumentException(
                $"{module}: expected {argument} with {features} features (N, {features}), got shape {Describe(input)}.", argument);
        Floating(input, module, argument);
    }

    /// <summary>Checks that the tensor has a real floating-point dtype.</summary>
    public static void Floating(Tensor input, string module, string argument = "input")
    {
        if (!input.is_floating_point())
            throw new ArgumentException(
                $"{module}: expected {argument} of a floating-point dtype (float32), got {input.dtype}. Convert images with .to(float32) and normalise them first.", argument);
    }

    /// <summary>Checks that two tensors are on the same device.</summary>
    public static void SameDevice(Tensor a, Tensor b, string module, string argumentA, string argumentB)
    {
        if (a.device.type != b.device.type || a.device.index != b.device.index)
            throw new ArgumentException(
                $"{module}: {argumentA} is on {a.device} but {argumentB} is on {b.device}; move both to one device.", argumentB);
    }

    /// <summary>Checks that the tensor sits on the module's device.</summary>
    public static void OnDevice(Tensor input, Device device, string module, string argument = "input")
    {
        if (input.device.type != device.type || (device.index >= 0 && input.device.index != device.index))
            throw new ArgumentException(
                $"{module}: expected {argument} on {device} (the module's device), got it on {input.device}. Call .to(device) on the input or the module.", argument);
    }

    /// <summary>Shape as text, e.g. <c>[8, 3, 32, 32]</c>.</summary>
    public static string Describe(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
