using System.Diagnostics;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Reliability;

/// <summary>Kills the CLI with SIGKILL in the middle of training and checks that a rerun resumes and finishes.</summary>
public sealed class KillAndResumeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-kill-").FullName;

    private Process Start(string outDir)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "bilateral-neuro.dll");
        File.Exists(cli).Should().BeTrue("the CLI is copied beside the tests");
        var psi = new ProcessStartInfo("dotnet", [cli, "train", "--epochs", "4", "--train-limit", "1200", "--width", "0.125", "--device", "cpu", "--json", "--out", outDir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public void Kill_9_mid_epoch_then_rerun_resumes_from_the_last_checkpoint_and_finishes()
    {
        var outDir = Path.Combine(dir, "run");
        var checkpoint = Path.Combine(outDir, "checkpoints", "units", "seed-0", "checkpoint.bnck");
        using (var first = Start(outDir))
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !first.HasExited && clock.Elapsed < TimeSpan.FromMinutes(5)) Thread.Sleep(100);
            File.Exists(checkpoint).Should().BeTrue("epoch 1 should finish and write a checkpoint");
            Thread.Sleep(500);   // into epoch 2
            first.HasExited.Should().BeFalse("the run should still be training when it is killed");
            first.Kill(entireProcessTree: true);   // SIGKILL: no handler runs
            first.WaitForExit();
        }
        File.Exists(Path.Combine(outDir, "results.json")).Should().BeFalse("a killed run leaves no results file, not a half-written one");

        using var second = Start(outDir);
        second.WaitForExit((int)TimeSpan.FromMinutes(5).TotalMilliseconds).Should().BeTrue();
        second.ExitCode.Should().Be(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var metrics = json.RootElement.GetProperty("Rows")[0].GetProperty("Metrics");
        var notes = json.RootElement.GetProperty("Notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        var resumed = notes.Select(n => System.Text.RegularExpressions.Regex.Match(n, @"^seed 0: .*resumed from epoch (\d+)")).Single(m => m.Success);
        int.Parse(resumed.Groups[1].Value).Should().BeGreaterThanOrEqualTo(1, "at most the unfinished epoch is lost");
        metrics.TryGetProperty("resumed from epoch", out _).Should().BeFalse("a resume point is a note, not a metric to average");
        metrics.GetProperty("epochs").GetDouble().Should().Be(4);
        metrics.GetProperty("fine accuracy").GetDouble().Should().BeGreaterThan(0.3);
        Directory.GetFiles(outDir).Select(Path.GetFileName).Should().NotContain(f => f!.Contains(".tmp-"));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
