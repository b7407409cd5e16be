using System.Runtime.InteropServices;

namespace BilateralNeuro.Core.Native;

/// <summary>
/// Opt-in tuning of the C allocator that holds LibTorch's CPU tensors. By default glibc raises its mmap threshold
/// each time a large block is freed, so later tensors of that size come from the heap and stay resident after they
/// are freed: RSS then reports memory the process no longer uses (and grows with fragmentation on long runs). A fixed
/// threshold makes every tensor above it an mmap of its own that goes back to the system when freed, so RSS tracks
/// the tensors alive. The cost is large: every fresh block is zeroed page by page by the kernel, and the Kuramoto
/// benchmark pass (T = 15, batch 64) ran about 3x slower on every coupling path with a 1 MiB threshold. It is a
/// diagnostic (memory measurements, leak hunts), not a speed setting. Process-wide; the library never calls it
/// by itself.
/// </summary>
public static class NativeAllocator
{
    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in malloc.h

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    /// <summary>
    /// Fixes glibc's mmap threshold at <paramref name="bytes"/> (which also stops its dynamic adjustment).
    /// Returns false where glibc is not the C library (the call is then a no-op).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not between 4 KiB and 32 MiB (glibc's limits).</exception>
    public static bool SetMmapThreshold(int bytes = 1 << 20)
    {
        if (bytes is < 4096 or > 32 << 20)
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "NativeAllocator: expected an mmap threshold between 4096 bytes and 32 MiB.");
        if (!OperatingSystem.IsLinux()) return false;
        try { return Mallopt(MmapThresholdParameter, bytes) == 1; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }
}
