using System.Diagnostics;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Core;

/// <summary>
/// The -p:LibTorchBackend switch selects the LibTorch package of the CLI and the samples. Checked by evaluating the
/// projects' PackageReference items (no restore: the CUDA packages are not downloaded here).
/// </summary>
public class LibTorchBackendSwitchTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "BilateralNeuro.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (BilateralNeuro.sln) not found above " + AppContext.BaseDirectory);
    }

    private static List<string> PackageReferences(string project, string? backend)
    {
        var args = new List<string> { "msbuild", Path.Combine(RepoRoot(), project), "-getItem:PackageReference", "-nologo" };
        if (backend is not null) args.Add($"-p:LibTorchBackend={backend}");
        var psi = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        p.ExitCode.Should().Be(0, output + p.StandardError.ReadToEnd());
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(i => i.GetProperty("Identity").GetString()!).ToList();
    }

    [Theory]
    [InlineData("src/BilateralNeuro.Cli/BilateralNeuro.Cli.csproj")]
    [InlineData("samples/Bilateral/Bilateral.csproj")]
    [InlineData("samples/GettingStarted/GettingStarted.csproj")]
    public void The_default_is_the_CPU_package_and_the_switch_selects_CUDA(string project)
    {
        var cpu = PackageReferences(project, null);
        cpu.Should().Contain("libtorch-cpu-linux-x64").And.NotContain(p => p.StartsWith("libtorch-cuda"));
        var cuda = PackageReferences(project, "cuda-12.8");
        cuda.Should().Contain("libtorch-cuda-12.8-linux-x64").And.NotContain("libtorch-cpu-linux-x64");
    }

    [Fact]
    public void Every_sample_and_the_CLI_follow_the_switch()
    {
        var root = RepoRoot();
        var projects = Directory.GetFiles(Path.Combine(root, "samples"), "*.csproj", SearchOption.AllDirectories)
            .Append(Path.Combine(root, "src/BilateralNeuro.Cli/BilateralNeuro.Cli.csproj"));
        foreach (var project in projects)
        {
            var text = File.ReadAllText(project);
            if (!text.Contains("libtorch", StringComparison.OrdinalIgnoreCase) && !text.Contains("LibTorchPackage")) continue;
            text.Should().Contain("Include=\"$(LibTorchPackage)\"", $"{project} must take its LibTorch package from the switch");
        }
    }
}
