using System.Diagnostics;
using FluentAssertions;

namespace BilateralNeuro.Tests.Support;

/// <summary>Runs the built CLI (copied beside the tests) as a user would, capturing exit code and both streams.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Lines of standard error that are not log lines (the user-facing error).</summary>
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// Runs <c>bilateral-neuro ARGS</c>. The data search is isolated: $BILATERALNEURO_DATA is unset and the user cache
    /// points at an empty folder unless <paramref name="env"/> sets them.
    /// </summary>
    public static Result Run(string[] args, IDictionary<string, string?>? env = null, string? workingDirectory = null, int timeoutSeconds = 300)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "bilateral-neuro.dll");
        File.Exists(cli).Should().BeTrue("the CLI is copied beside the tests");
        var psi = new ProcessStartInfo("dotnet", [cli, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        psi.Environment["BILATERALNEURO_DATA"] = null;
        psi.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "bn-empty-cache-for-tests");
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"bilateral-neuro {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
