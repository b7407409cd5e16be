using BilateralNeuro.Cli;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

public class CliFingerprintTests
{
    private static string Of(params string[] args) => ExperimentRunner.Fingerprint(CliApp.Build().Parse(args));

    [Fact]
    public void Output_only_options_and_option_order_do_not_change_the_fingerprint()
    {
        Of("resources", "--epochs", "2", "--seeds", "3", "--out", "/tmp/a")
            .Should().Be(Of("resources", "--seeds", "3", "--json", "--epochs", "2", "--out", "/tmp/b", "--keep-checkpoints", "--device", "cpu"));
    }

    [Fact]
    public void Options_that_change_results_change_the_fingerprint()
    {
        var baseline = Of("bilateral", "--epochs", "2");
        Of("bilateral", "--epochs", "3").Should().NotBe(baseline);
        Of("bilateral", "--epochs", "2", "--shard", "1/2").Should().NotBe(baseline);
        Of("bilateral", "--epochs", "2", "--width", "0.5").Should().NotBe(baseline);
        Of("resources", "--epochs", "2").Should().NotBe(baseline, "the subcommand is part of it");
    }
}
