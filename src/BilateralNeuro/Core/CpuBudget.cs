using System.Globalization;

namespace BilateralNeuro.Core;

/// <summary>How many CPU threads this process should use, and why.</summary>
/// <param name="Threads">The thread count (at least 1).</param>
/// <param name="Reason">Which limit decided it, e.g. "affinity 0-3 (4 CPUs); cgroup cpu.max 200000/100000 (2 CPUs)".</param>
public sealed record CpuBudget(int Threads, string Reason)
{
    /// <summary>
    /// The CPUs this process may use: the smallest of the scheduler affinity (<c>/proc/self/status</c>
    /// Cpus_allowed_list, else <see cref="Environment.ProcessorCount"/>), the cgroup v2 quota (<c>cpu.max</c>, rounded
    /// up) and <c>SLURM_CPUS_PER_TASK</c>. An explicit <c>OMP_NUM_THREADS</c> wins over all of them (the user chose).
    /// </summary>
    public static CpuBudget Detect()
    {
        var omp = Environment.GetEnvironmentVariable("OMP_NUM_THREADS");
        if (ParsePositive(omp) is { } explicitThreads) return new(explicitThreads, $"OMP_NUM_THREADS={omp}");
        return Combine(ReadOrNull("/proc/self/status"), CgroupCpuMax(), Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), Environment.ProcessorCount);
    }

    /// <summary>The budget from the raw sources (testable without the machine's files).</summary>
    /// <param name="procStatus">Text of <c>/proc/self/status</c>, or null.</param>
    /// <param name="cpuMax">Text of the cgroup's <c>cpu.max</c> ("max 100000" or "200000 100000"), or null.</param>
    /// <param name="slurmCpusPerTask">Value of <c>SLURM_CPUS_PER_TASK</c>, or null.</param>
    /// <param name="processorCount">Fallback when the affinity is unknown.</param>
    public static CpuBudget Combine(string? procStatus, string? cpuMax, string? slurmCpusPerTask, int processorCount)
    {
        var limits = new List<(int Count, string Why)>();
        var allowed = procStatus?.Split('\n').FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        if (allowed is not null && CountCpuList(allowed["Cpus_allowed_list:".Length..].Trim()) is { } affinity)
            limits.Add((affinity, $"affinity {allowed["Cpus_allowed_list:".Length..].Trim()} ({affinity} CPUs)"));
        else limits.Add((Math.Max(1, processorCount), $"{processorCount} processors"));
        if (QuotaCpus(cpuMax) is { } quota) limits.Add((quota, $"cgroup cpu.max {cpuMax!.Trim()} ({quota} CPUs)"));
        if (ParsePositive(slurmCpusPerTask) is { } slurm) limits.Add((slurm, $"SLURM_CPUS_PER_TASK={slurm}"));
        var min = limits.MinBy(l => l.Count);
        return new(min.Count, string.Join("; ", limits.Select(l => l.Why)) + $" -> {min.Count}");
    }

    /// <summary>Counts a Linux CPU list such as <c>0-3,8,10-11</c>; null if it is malformed.</summary>
    public static int? CountCpuList(string list)
    {
        int count = 0;
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-');
            if (range.Length == 1 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)) count++;
            else if (range.Length == 2 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var lo)
                     && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var hi) && hi >= lo) count += hi - lo + 1;
            else return null;
        }
        return count > 0 ? count : null;
    }

    /// <summary>CPUs granted by a cgroup v2 <c>cpu.max</c> line (quota / period, rounded up); null when unlimited or unreadable.</summary>
    public static int? QuotaCpus(string? cpuMax)
    {
        var parts = cpuMax?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts is not { Length: 2 } || parts[0] == "max") return null;
        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var quota)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var period) || quota <= 0 || period <= 0) return null;
        return (int)Math.Max(1, (quota + period - 1) / period);
    }

    private static string? CgroupCpuMax()
    {
        // cgroup v2: "0::/some/path" in /proc/self/cgroup; the file is /sys/fs/cgroup/some/path/cpu.max. Walk up to the
        // root so that a limit on a parent (e.g. a Slurm job's cgroup) counts too; the tightest wins.
        var line = ReadOrNull("/proc/self/cgroup")?.Split('\n').FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        var dir = line is null ? "/" : line[3..].Trim();
        string? tightest = null;
        int? best = null;
        for (var d = dir; ; d = Path.GetDirectoryName(d) ?? "/")
        {
            var text = ReadOrNull(Path.Combine("/sys/fs/cgroup", d.TrimStart('/'), "cpu.max"));
            if (QuotaCpus(text) is { } q && (best is null || q < best)) { best = q; tightest = text; }
            if (d is "/" or "") break;
        }
        return tightest;
    }

    private static int? ParsePositive(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    private static string? ReadOrNull(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
