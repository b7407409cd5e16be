using TorchSharp;

namespace BilateralNeuro.Core;

/// <summary>
/// Seeds every random source the library uses. Determinism level: on CPU with a fixed thread count, the same seed
/// gives bit-identical runs (tested); across thread counts or on CUDA, results agree only statistically because
/// oneDNN/cuDNN reductions are not order-stable.
/// </summary>
public static class Seeding
{
    /// <summary>Seeds torch's global generator (CPU and CUDA) and returns a managed <see cref="Random"/> for data order.</summary>
    public static Random Seed(int seed)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
        return new Random(seed);
    }
}
