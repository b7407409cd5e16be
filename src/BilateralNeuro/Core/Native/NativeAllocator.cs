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
    private const int TrimThresholdParameter = -1; // M_TRIM_THRESHOLD in malloc.h

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

    /// <summary>
    /// The opposite trade-off of <see cref="SetMmapThreshold"/>, for CPU: blocks up to <paramref name="mmapThresholdBytes"/>
    /// come from the heap (not from an mmap of their own), and freed heap memory is given back to the system only when
    /// more than <paramref name="trimThresholdBytes"/> of it is free at the top of the heap. A loop that allocates and frees
    /// the same tensor sizes step after step then reuses resident pages instead of having the kernel map and zero fresh
    /// ones (a minor page fault per 4 KiB page). The face-attention sample opts in (docs/face-attention.md: system time and
    /// page faults per unit before/after); peak RSS can rise by what fragmentation keeps. Process-wide; returns false where
    /// glibc is not the C library (a no-op).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The mmap threshold is not between 4 KiB and 32 MiB, or the trim threshold is below it.</exception>
    public static bool RetainFreedMemory(int mmapThresholdBytes = 32 << 20, int trimThresholdBytes = 1 << 30)
    {
        if (mmapThresholdBytes is < 4096 or > 32 << 20)
            throw new ArgumentOutOfRangeException(nameof(mmapThresholdBytes), mmapThresholdBytes, "NativeAllocator: expected an mmap threshold between 4096 bytes and 32 MiB.");
        if (trimThresholdBytes < mmapThresholdBytes)
            throw new ArgumentOutOfRangeException(nameof(trimThresholdBytes), trimThresholdBytes, $"NativeAllocator: expected a trim threshold of at least the mmap threshold ({mmapThresholdBytes} bytes).");
        if (!OperatingSystem.IsLinux()) return false;
        try { return Mallopt(MmapThresholdParameter, mmapThresholdBytes) == 1 && Mallopt(TrimThresholdParameter, trimThresholdBytes) == 1; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }
}
