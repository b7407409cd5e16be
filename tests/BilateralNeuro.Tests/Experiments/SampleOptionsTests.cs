using System.CommandLine;
using System.Text.Json;
using BilateralNeuro.Cli;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

// samples/Bilateral parses its arguments with BilateralCommandOptions, the definitions of `bilateral-neuro bilateral`.
public class SampleOptionsTests
{
    private static (BilateralCommandOptions Defs, ParseResult Parse) SampleParse(params string[] args)
    {
        var defs = new BilateralCommandOptions();
        var root = new RootCommand("samples/Bilateral");
        defs.AddTo(root);
        return (defs, root.Parse(args));
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, ExperimentRunner.PlanJson);

    [Fact]
    public void Bilateral_sample_arguments_give_the_options_the_cli_command_plans()
    {
        string[] args = ["--seeds", "1", "--epochs", "1", "--width", "0.25", "--protocol", "original"];
        var (defs, parse) = SampleParse(args);
        parse.Errors.Should().BeEmpty();
        var sample = defs.Bind(parse, cifar100: false);
        var (plan, _) = ExperimentRunner.Resolve(CliApp.Build().Parse(["bilateral", .. args]));
        Json(sample).Should().Be(Json(plan.Options));
        sample.Seeds.Should().Equal(0);
        sample.Training.Stage1.Epochs.Should().Be(1);
        sample.Training.EndToEnd.Epochs.Should().Be(1);
        sample.Width.Should().Be(0.25);
        sample.Protocol.Should().Be(BilateralNeuro.Bilateral.Training.TrainingProtocol.Original);
    }

    [Fact]
    public void Bilateral_sample_without_arguments_runs_the_quick_preset_on_fashion_mnist_as_before()
    {
        var (defs, parse) = SampleParse();
        parse.Errors.Should().BeEmpty();
        var expected = BilateralExperimentOptions.Quick();
        expected.Training.Normalization = Normalization.FashionMnist;
        Json(defs.Bind(parse, cifar100: false)).Should().Be(Json(expected));
    }

    [Fact]
    public void Bilateral_sample_bad_arguments_are_reported_by_the_shared_definitions()
    {
        var (_, parse) = SampleParse("--epochs", "two", "--preset", "huge");
        var messages = parse.Errors.Select(e => e.Message).ToList();
        messages.Should().Contain(m => m.Contains("--epochs: 'two' is not a whole number"));
        messages.Should().Contain(m => m.Contains("--preset: 'huge' is not a preset"));
    }
}
