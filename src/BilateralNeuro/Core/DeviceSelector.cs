using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Core;

/// <summary>Parses <c>--device auto|cpu|cuda[:n]</c> and checks the request can be met.</summary>
public static class DeviceSelector
{
    /// <summary>The NuGet package that brings CUDA to TorchSharp on Linux.</summary>
    public const string CudaPackageHint =
        "reference the CUDA LibTorch package (libtorch-cuda-12.8-linux-x64, or TorchSharp-cuda-linux) instead of libtorch-cpu-linux-x64, and install an NVIDIA driver";

    /// <summary>
    /// Returns the device named by <paramref name="spec"/>: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>,
    /// <c>cuda</c> or <c>cuda:n</c>. Asking for CUDA where it is unavailable throws a clear error instead of a native crash.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not one of the accepted forms.</exception>
    /// <exception cref="InvalidOperationException">CUDA was requested but is not available, or the index is out of range.</exception>
    public static Device Parse(string? spec, Func<bool>? cudaAvailable = null, Func<int>? cudaCount = null)
    {
        TorchRuntime.EnsureLoaded();
        cudaAvailable ??= () => torch.cuda.is_available();
        cudaCount ??= () => torch.cuda.device_count();
        var text = (spec ?? "auto").Trim().ToLowerInvariant();
        if (text is "" or "auto") return cudaAvailable() ? new Device(DeviceType.CUDA, 0) : CPU;
        if (text == "cpu") return CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && (!int.TryParse(text.AsSpan(5), out index) || index < 0))
                throw new ArgumentException($"--device: '{spec}' has a bad CUDA index; expected cuda or cuda:N with N >= 0.", nameof(spec));
            if (!cudaAvailable())
                throw new InvalidOperationException($"--device {spec}: CUDA is not available in this process. To train on a GPU, {CudaPackageHint}. Use --device cpu or auto meanwhile.");
            int count = cudaCount();
            if (index >= count)
                throw new InvalidOperationException($"--device {spec}: this machine has {count} CUDA device(s); expected an index below {count}.");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device: '{spec}' is not a device; expected auto, cpu, cuda or cuda:N.", nameof(spec));
    }
}
