using BilateralNeuro.Cli;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

public sealed class CliErrorRuleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-fail-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Stderr) Capture(Func<int> action)
    {
        var previous = Console.Error;
        var writer = new StringWriter();
        Console.SetError(writer);
        try { return (action(), writer.ToString()); }
        finally { Console.SetError(previous); }
    }

    [Fact]
    public void A_user_mistake_is_one_error_line_with_exit_code_2()
    {
        var (code, err) = Capture(() => ExperimentRunner.Fail("train", new ArgumentOutOfRangeException("width", 0.0, "ResNet9: width must lie in (0, 16]."), dir));
        code.Should().Be(2);
        err.TrimEnd().Split('\n').Should().ContainSingle().Which.Should().StartWith("bilateral-neuro train: error: ResNet9: width must lie in (0, 16].");
        File.Exists(Path.Combine(dir, "error.log")).Should().BeFalse();
    }

    [Fact]
    public void An_unexpected_failure_is_one_line_with_exit_code_1_and_the_details_in_error_log()
    {
        Exception thrown;
        try { throw new System.Runtime.InteropServices.ExternalException("Target 5 is out of bounds.\nException raised from nll_loss at aten/src/ATen/native/LossNLL.cpp:1\nframe #0: c10::Error"); }
        catch (Exception e) { thrown = e; }
        var (code, err) = Capture(() => ExperimentRunner.Fail("bilateral", thrown, dir));
        code.Should().Be(1);
        var line = err.TrimEnd().Split('\n').Should().ContainSingle().Subject;
        line.Should().Contain("bilateral-neuro bilateral: failed: ExternalException: Target 5 is out of bounds.").And.Contain("error.log").And.NotContain("frame #0");
        File.ReadAllText(Path.Combine(dir, "error.log")).Should().Contain("frame #0").And.Contain(nameof(An_unexpected_failure_is_one_line_with_exit_code_1_and_the_details_in_error_log));
    }
}
