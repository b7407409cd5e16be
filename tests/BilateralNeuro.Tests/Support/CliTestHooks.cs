using BilateralNeuro.Cli;

namespace BilateralNeuro.Tests.Support;

/// <summary>In-process access to the CLI's planning (no LibTorch work, no data loaded).</summary>
public static class CliTestHooks
{
    /// <summary>The checkpoint fingerprint the command line would use.</summary>
    public static string Fingerprint(string[] args) => ExperimentRunner.Resolve(CliApp.Build().Parse(args)).Fingerprint;

    /// <summary>The units the command line would run (what --dry-run lists).</summary>
    public static IReadOnlyList<string> Units(string[] args) => ExperimentRunner.Resolve(CliApp.Build().Parse(args)).Plan.Units;
}
