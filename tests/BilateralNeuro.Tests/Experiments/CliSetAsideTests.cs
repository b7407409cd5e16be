using BilateralNeuro.Cli;
using FluentAssertions;
using System.CommandLine;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

/// <summary>
/// Every command, started in a run folder whose checkpoints were written with other options, sets them aside before
/// any work (and never mixes them in). The run is cancelled before its first training step, so this is quick.
/// </summary>
public sealed class CliSetAsideTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-aside-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("train")]
    [InlineData("bilateral")]
    [InlineData("synchrony")]
    [InlineData("resources")]
    [InlineData("face-attention")]
    [InlineData("beyond")]
    public async Task A_run_folder_with_other_options_is_set_aside_for_every_command(string command)
    {
        var outDir = Path.Combine(dir, command);
        var old = Directory.CreateDirectory(Path.Combine(outDir, "checkpoints")).FullName;
        File.WriteAllText(Path.Combine(old, "fingerprint.txt"), "bilateral-neuro " + command + "\nother options\n");
        File.WriteAllText(Path.Combine(old, "seed-0.unit.json"), "{\"stale\": true}");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        int code = await CliApp.Build().Parse([command, "--epochs", "1", "--device", "cpu", "--json", "--out", outDir])
            .InvokeAsync(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null }, cancelled.Token);
        code.Should().Be(130, "the run was cancelled before its first step");
        var aside = Directory.GetDirectories(outDir, "checkpoints.other-options-*").Should().ContainSingle().Subject;
        File.Exists(Path.Combine(aside, "seed-0.unit.json")).Should().BeTrue("the old results are kept, aside");
        File.Exists(Path.Combine(outDir, "checkpoints", "seed-0.unit.json")).Should().BeFalse("never mixed into the new run");
        File.ReadAllText(Path.Combine(outDir, "checkpoints", "fingerprint.txt")).Should().Be(CliTestHooksFingerprint(command, outDir));
        File.Exists(Path.Combine(outDir, "results.json")).Should().BeFalse();
    }

    private static string CliTestHooksFingerprint(string command, string outDir) =>
        Support.CliTestHooks.Fingerprint([command, "--epochs", "1", "--device", "cpu", "--json", "--out", outDir]);
}
