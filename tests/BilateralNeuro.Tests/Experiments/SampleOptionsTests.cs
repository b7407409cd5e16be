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

    // samples/Synchrony parses its arguments with SynchronyCommandOptions, the definitions of `bilateral-neuro synchrony`.
    private static (SynchronyCommandOptions Defs, ParseResult Parse) SynchronySampleParse(params string[] args)
    {
        var defs = new SynchronyCommandOptions();
        var root = new RootCommand("samples/Synchrony");
        defs.AddTo(root);
        return (defs, root.Parse(args));
    }

    [Fact]
    public void Synchrony_sample_without_arguments_binds_the_library_defaults()
    {
        var (defs, parse) = SynchronySampleParse();
        parse.Errors.Should().BeEmpty();
        // The sample then widens Models to every model, as it always did; everything else is SynchronyExperimentOptions' defaults.
        Json(defs.Bind(parse)).Should().Be(Json(new SynchronyExperimentOptions()));
    }

    [Fact]
    public void Synchrony_sample_arguments_give_the_options_the_cli_command_plans()
    {
        string[] args = ["--seeds", "2", "--epochs", "1", "--sync-weight", "0.1", "--map-size", "32", "--models", "Real,KomplexNet"];
        var (defs, parse) = SynchronySampleParse(args);
        parse.Errors.Should().BeEmpty();
        var sample = defs.Bind(parse);
        var (plan, _) = ExperimentRunner.Resolve(CliApp.Build().Parse(["synchrony", .. args]));
        var cli = (SynchronyExperimentOptions)plan.Options;
        sample.PhaseMapDirectory = cli.PhaseMapDirectory; // the CLI puts phase maps under OUT/phase-maps, the sample in its output folder
        Json(sample).Should().Be(Json(cli));
        sample.Seeds.Should().Be(2);
        sample.Training.SynchronyWeight.Should().Be(0.1);
        sample.MapSize.Should().Be(32);
        sample.Epsilon.Should().BeApproximately(SynchronyExperimentOptions.EpsilonFor(32), 1e-12);
        sample.Models.Should().Equal(SynchronyModel.Real, SynchronyModel.KomplexNet);
    }

    // samples/Resources parses its arguments with ResourcesCommandOptions, the definitions of `bilateral-neuro resources`.
    private static (ResourcesCommandOptions Defs, ParseResult Parse) ResourcesSampleParse(params string[] args)
    {
        var defs = new ResourcesCommandOptions();
        var root = new RootCommand("samples/Resources");
        defs.AddTo(root);
        return (defs, root.Parse(args));
    }

    [Fact]
    public void Resources_sample_without_arguments_binds_the_quick_preset_as_before()
    {
        var (defs, parse) = ResourcesSampleParse();
        parse.Errors.Should().BeEmpty();
        var options = defs.Bind(parse);
        Json(options).Should().Be(Json(ResourceExperimentOptions.Quick()));
        options.Seeds.Should().Equal(1, 2, 3);
    }

    [Fact]
    public void Resources_sample_arguments_give_the_options_the_cli_command_plans()
    {
        string[] args = ["--preset", "paper", "--epochs", "2", "--seeds", "2", "--data-dir", "embedded"];
        var (defs, parse) = ResourcesSampleParse(args);
        parse.Errors.Should().BeEmpty();
        var sample = defs.Bind(parse);
        var (plan, _) = ExperimentRunner.Resolve(CliApp.Build().Parse(["resources", .. args]));
        // The CLI plans { Experiment = the bound options, Seeds = the seeds it runs }.
        using var cli = JsonDocument.Parse(Json(plan.Options));
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(cli.RootElement.GetProperty("Experiment").GetRawText()),
            System.Text.Json.Nodes.JsonNode.Parse(Json(sample))).Should().BeTrue("the sample binds the options the CLI plans");
        cli.RootElement.GetProperty("Seeds").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(sample.Seeds);
        sample.Training.Epochs.Should().Be(2);
        sample.Seeds.Should().Equal(1, 2);
        sample.TrainCount.Should().Be(ResourceExperimentOptions.Full().TrainCount);
    }

    // samples/FaceAttention parses its arguments with FaceAttentionCommandOptions, the definitions of `bilateral-neuro face-attention`.
    private static (FaceAttentionCommandOptions Defs, ParseResult Parse) FaceAttentionSampleParse(params string[] args)
    {
        var defs = new FaceAttentionCommandOptions();
        var root = new RootCommand("samples/FaceAttention");
        defs.AddTo(root);
        return (defs, root.Parse(args));
    }

    [Fact]
    public void FaceAttention_sample_without_arguments_binds_the_default_options_as_before()
    {
        var (defs, parse) = FaceAttentionSampleParse();
        parse.Errors.Should().BeEmpty();
        Json(defs.Bind(parse)).Should().Be(Json(FaceAttentionExperimentOptions.Default()));
    }

    [Fact]
    public void FaceAttention_sample_arguments_give_the_options_the_cli_command_plans()
    {
        string[] args = ["--seeds", "2", "--epochs", "1"];
        var (defs, parse) = FaceAttentionSampleParse(args);
        parse.Errors.Should().BeEmpty();
        var sample = defs.Bind(parse);
        var (plan, _) = ExperimentRunner.Resolve(CliApp.Build().Parse(["face-attention", .. args]));
        Json(sample).Should().Be(Json(plan.Options));
        sample.Seeds.Should().Equal(1, 2);
        sample.PretrainEpochs.Should().Be(1);
    }

    // samples/Beyond parses its arguments with BeyondCommandOptions, the definitions of `bilateral-neuro beyond`.
    private static (BeyondCommandOptions Defs, ParseResult Parse) BeyondSampleParse(params string[] args)
    {
        var defs = new BeyondCommandOptions();
        var root = new RootCommand("samples/Beyond");
        defs.AddTo(root);
        return (defs, root.Parse(args));
    }

    [Fact]
    public void Beyond_sample_without_arguments_binds_the_library_defaults_as_before()
    {
        var (defs, parse) = BeyondSampleParse();
        parse.Errors.Should().BeEmpty();
        Json(defs.Bind(parse)).Should().Be(Json(new BeyondExperimentOptions()));
    }

    [Fact]
    public void Beyond_sample_arguments_give_the_options_the_cli_command_plans()
    {
        string[] args = ["--variants", "paper, asymmetric+callosal", "--seeds", "1", "--epochs", "1", "--train-limit", "500"];
        var (defs, parse) = BeyondSampleParse(args);
        parse.Errors.Should().BeEmpty();
        var sample = defs.Bind(parse);
        var (plan, _) = ExperimentRunner.Resolve(CliApp.Build().Parse(["beyond", .. args]));
        Json(sample).Should().Be(Json(plan.Options));
        sample.Variants.Should().Equal("paper", "asymmetric+callosal");
        sample.Seeds.Should().Equal(0);
        sample.Training.Bilateral.Stage1.Epochs.Should().Be(1);
        sample.TrainLimit.Should().Be(500);
    }
}
