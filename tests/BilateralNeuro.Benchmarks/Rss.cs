using System.Runtime.InteropServices;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// Resident set size of this process from /proc/self/status. The peak (VmHWM) is reset between cases by writing 5 to
/// /proc/self/clear_refs (Linux ≥ 4.0), so each case's peak is its own; the figure reported is the peak minus the RSS
/// at the reset (memory the case added on top of what was already resident). Before the reset, glibc's malloc_trim
/// returns freed heap pages to the system, so memory a previous case freed but glibc kept does not hide this case's
/// own peak.
/// </summary>
public static class Rss
{
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    public static double CurrentMb => Read("VmRSS:");
    public static double PeakMb => Read("VmHWM:");

    /// <summary>RSS (MB) after glibc returns its free heap pages (malloc_trim), without a garbage collection.</summary>
    public static double TrimmedMb()
    {
        try { MallocTrim(0); } catch (DllNotFoundException) { } catch (EntryPointNotFoundException) { }
        return CurrentMb;
    }

    /// <summary>Collects garbage, resets the peak to the current RSS, and returns the current RSS in MB.</summary>
    public static double ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try { MallocTrim(0); } catch (DllNotFoundException) { } catch (EntryPointNotFoundException) { }
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return CurrentMb;
    }

    /// <summary>Runs an action and returns the peak RSS it added over the RSS at its start (MB).</summary>
    public static double PeakDelta(Action a)
    {
        double start = ResetPeak();
        a();
        return PeakMb - start;
    }

    private static double Read(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return double.Parse(line[key.Length..].Trim().Split(' ')[0]) / 1024.0;
        }
        catch (IOException) { }
        return double.NaN;
    }
}
