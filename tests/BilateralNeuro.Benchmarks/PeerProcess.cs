using System.Diagnostics;
using System.Text.Json;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// A persistent PyTorch peer (peers/peer_server.py under Debian's python3-torch) holding one case built with the same
/// model, input, batch and threads as ours, so our timing blocks and the peer's can be interleaved (A B A B ...) and
/// a shared machine's drift hits both. The peer times its own steps (perf_counter), so pipe latency is not counted.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    public const string Python = "/usr/bin/python3";
    private static bool? available;
    private readonly Process process;

    private PeerProcess(Process process, string torchVersion)
    {
        this.process = process;
        TorchVersion = torchVersion;
    }

    public string TorchVersion { get; }

    /// <summary>
    /// Whether the peer can run: Debian's python3 with torch. If torch is missing, tries once to install python3-torch
    /// with apt-get (as root, or via sudo -n); returns false (and the harness reports "peer unavailable") otherwise.
    /// </summary>
    public static bool EnsureAvailable(TextWriter log)
    {
        if (available is { } a) return a;
        if (Environment.GetEnvironmentVariable("BENCH_NO_PEER") == "1") return (available = false).Value;
        if (HasTorch()) return (available = true).Value;
        log.WriteLine("peer: python3-torch missing; installing it with apt-get (Debian's PyTorch) ...");
        bool root = Environment.UserName == "root";
        var (cmd, args) = root ? ("apt-get", "install -y -q python3-torch") : ("sudo", "-n apt-get install -y -q python3-torch");
        try
        {
            var psi = new ProcessStartInfo(cmd, args) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) log.WriteLine($"peer: apt-get failed ({p.ExitCode}): {err.Trim().Split('\n').LastOrDefault()}");
        }
        catch (System.ComponentModel.Win32Exception e) { log.WriteLine($"peer: cannot run {cmd}: {e.Message}"); }
        available = HasTorch();
        if (!available.Value) log.WriteLine("peer: unavailable; peer rows are left out (install python3-torch to get them)");
        return available.Value;
    }

    private static bool HasTorch()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, "-c \"import torch\"") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    /// <summary>glibc mmap threshold for the peer (the same as ours), or null for glibc's default.</summary>
    public static int? MmapThreshold { get; set; }

    /// <summary>Starts the peer for a case (see peer_server.py); null when the peer is unavailable or fails.</summary>
    public static PeerProcess? Start(string arguments, TextWriter log)
    {
        if (!EnsureAvailable(log)) return null;
        var script = Path.Combine(AppContext.BaseDirectory, "peers", "peer_server.py");
        var psi = new ProcessStartInfo(Python, $"{script} {arguments}")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        if (MmapThreshold is int bytes) psi.Environment["MALLOC_MMAP_THRESHOLD_"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var p = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        var first = p.StandardOutput.ReadLine();
        if (first is null)
        {
            p.WaitForExit();
            log.WriteLine($"peer '{arguments}' failed: {stderr.ToString().Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        using var doc = JsonDocument.Parse(first);
        return new PeerProcess(p, doc.RootElement.GetProperty("torch").GetString() ?? "?");
    }

    private JsonElement Ask(string command)
    {
        process.StandardInput.WriteLine(command);
        process.StandardInput.Flush();
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"peer exited on '{command}'");
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }

    /// <summary>Runs N steps in the peer; returns the peer's own seconds for them.</summary>
    public double Run(int steps) => Ask($"run {steps}").GetProperty("seconds").GetDouble();

    /// <summary>Resets the peer's peak RSS; returns its current RSS (MB).</summary>
    public double ResetPeak() => Ask("reset").GetProperty("rss_mb").GetDouble();

    /// <summary>The peer's peak RSS (MB) since the last reset.</summary>
    public double PeakMb() => Ask("rss").GetProperty("peak_rss_mb").GetDouble();

    public void Dispose()
    {
        try
        {
            process.StandardInput.WriteLine("quit");
            process.StandardInput.Flush();
            if (!process.WaitForExit(10_000)) process.Kill();
        }
        catch (IOException) { }
        process.Dispose();
    }
}
