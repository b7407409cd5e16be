using BilateralNeuro.Core.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace BilateralNeuro.Core;

/// <summary>
/// Loads TorchSharp's native backend once, applying the libstdc++ compatibility fix at run time to the app's own copy
/// of <c>libLibTorchSharp.so</c> when the build step could not (e.g. a copied or published folder), and turning
/// TorchSharp's misleading "missing libtorch-cpu" message into one that names the cause.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool loaded;

    /// <summary>Where the fix looked and what it did, for diagnostics.</summary>
    public static string Status { get; private set; } = "not loaded";

    /// <summary>Ensures the native backend is loaded. Safe to call often and from several threads.</summary>
    /// <exception cref="InvalidOperationException">The backend cannot be loaded; the message says why.</exception>
    public static void EnsureLoaded(ILogger? logger = null)
    {
        if (loaded) return;
        lock (Gate)
        {
            if (loaded) return;
            logger ??= NullLogger.Instance;
            PatchLocalCopies(logger);
            ApplyOpenMpWaitPolicy(logger);
            ApplyGcMode();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    "BilateralNeuro: TorchSharp's native backend did not load. Reference libtorch-cpu-linux-x64 (CPU) or a CUDA LibTorch package " +
                    $"from your app. Native fix status: {Status}. TorchSharp said: {e.Message}", e);
            }
            loaded = true;
        }
    }

    /// <summary>
    /// The OpenMP wait policy given to LibTorch's worker threads when the environment does not set one
    /// (<c>OMP_WAIT_POLICY</c>): "PASSIVE" (default) makes idle workers sleep instead of spinning, so a run does not
    /// steal the cores of other processes (or of its own other threads) while it waits. Null leaves the environment
    /// alone. LibTorch's OpenMP (GNU libgomp) reads the variable once, when it loads, so this must be set before the
    /// first torch call; <see cref="EnsureLoaded"/> applies it then.
    /// </summary>
    public static string? OpenMpWaitPolicy { get; set; } = "PASSIVE";

    /// <summary>What <see cref="EnsureLoaded"/> did about <c>OMP_WAIT_POLICY</c> (for diagnostics and results files).</summary>
    public static string WaitPolicyStatus { get; private set; } = "not loaded";

    /// <summary>
    /// Whether <see cref="EnsureLoaded"/> switches the .NET garbage collector's background (concurrent) collections off
    /// (<see cref="System.Runtime.GCLatencyMode.Batch"/>) unless the environment chose (<c>DOTNET_gcConcurrent</c>).
    /// Default true. Why: TorchSharp 0.107 turns numbers into native Scalars implicitly (<c>0.5 * t</c>,
    /// <c>clamp_min(1e-12)</c>, the alpha of <c>add</c>) and frees them in finalizers; nothing keeps such a Scalar
    /// reachable while LibTorch reads it, so a background collection that finishes during the call lets the finalizer
    /// thread free it in use. KomplexNet training failed that way ("Unknown scalar type", Scalar.h assertions) in about
    /// half of the kernel-first runs once per-pass allocations made background collections frequent; with them off,
    /// a collection runs only when a managed thread allocates, not while the training thread is inside LibTorch.
    /// </summary>
    public static bool DisableBackgroundGc { get; set; } = true;

    /// <summary>What <see cref="EnsureLoaded"/> did about background garbage collection (for diagnostics).</summary>
    public static string GcStatus { get; private set; } = "not loaded";

    private static void ApplyGcMode()
    {
        var chosen = Environment.GetEnvironmentVariable("DOTNET_gcConcurrent");
        if (!string.IsNullOrEmpty(chosen)) { GcStatus = $"DOTNET_gcConcurrent={chosen} (from the environment)"; return; }
        if (!System.Runtime.GCSettings.IsServerGC && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch)
        {
            GcStatus = "background GC off (runtime configuration)";
            return;
        }
        if (!DisableBackgroundGc) { GcStatus = "background GC left on (TorchRuntime.DisableBackgroundGc = false)"; return; }
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
        GcStatus = "background GC switched off by BilateralNeuro (GCLatencyMode.Batch)";
    }

    /// <summary>
    /// Sets LibTorch's intra-op thread count (<c>torch.set_num_threads</c>), loading the backend first if needed.
    /// </summary>
    /// <param name="threads">Threads, at least 1; see <see cref="CpuBudget.Detect"/> for a default that fits the machine.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public static void SetThreads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "TorchRuntime.SetThreads: threads must be at least 1.");
        EnsureLoaded();
        torch.set_num_threads(threads);
    }

    /// <summary>LibTorch's current intra-op thread count (loads the backend first if needed).</summary>
    public static int Threads
    {
        get
        {
            EnsureLoaded();
            return torch.get_num_threads();
        }
    }

    private static void ApplyOpenMpWaitPolicy(ILogger logger)
    {
        var existing = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (!string.IsNullOrEmpty(existing)) { WaitPolicyStatus = $"OMP_WAIT_POLICY={existing} (from the environment)"; return; }
        if (OpenMpWaitPolicy is null) { WaitPolicyStatus = "OMP_WAIT_POLICY unset (libgomp default: spin, then sleep)"; return; }
        // .NET keeps its own copy of the environment on Unix; native getenv (libgomp) only sees libc's setenv.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            try
            {
                if (NativeEnvironment.setenv("OMP_WAIT_POLICY", OpenMpWaitPolicy, 0) != 0) throw new InvalidOperationException("setenv failed");
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
            {
                WaitPolicyStatus = $"could not set OMP_WAIT_POLICY ({e.Message})";
                logger.LogWarning("Could not set OMP_WAIT_POLICY={Policy} for LibTorch's OpenMP: {Message}", OpenMpWaitPolicy, e.Message);
                return;
            }
        }
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", OpenMpWaitPolicy);
        WaitPolicyStatus = $"OMP_WAIT_POLICY={OpenMpWaitPolicy} (set by BilateralNeuro before LibTorch loaded)";
    }

    private static class NativeEnvironment
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        internal static extern int setenv(string name, string value, int overwrite);
    }

    private static void PatchLocalCopies(ILogger logger)
    {
        if (!OperatingSystem.IsLinux()) { Status = "not Linux: no fix needed"; return; }
        ISet<string>? versions;
        try { versions = ElfVersionNeedPatcher.SystemLibStdCxxVersions(); }
        catch (InvalidDataException e) { Status = "system libstdc++ unreadable: " + e.Message; return; }
        if (versions is null) { Status = "no system libstdc++.so.6 found"; return; }
        var dir = AppContext.BaseDirectory;
        var candidates = new[]
        {
            Path.Combine(dir, "libLibTorchSharp.so"),
            Path.Combine(dir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(dir, "runtimes", "linux-arm64", "native", "libLibTorchSharp.so"),
            Path.Combine(dir, "cpu", "libLibTorchSharp.so"),
        };
        var notes = new List<string>();
        foreach (var path in candidates.Where(File.Exists))
        {
            try
            {
                var outcome = ElfVersionNeedPatcher.Patch(path, versions);
                notes.Add($"{path}: {outcome}");
                if (outcome == ElfPatchOutcome.Patched)
                    logger.LogInformation("Marked libstdc++ versions missing on this system as weak in {Path} (GCC 12 compatibility fix)", path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                notes.Add($"{path}: not patched ({e.Message})");
                logger.LogWarning("Could not apply the libstdc++ compatibility fix to {Path}: {Message}", path, e.Message);
            }
        }
        Status = notes.Count == 0 ? "no local libLibTorchSharp.so beside the app" : string.Join("; ", notes);
    }
}
