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
