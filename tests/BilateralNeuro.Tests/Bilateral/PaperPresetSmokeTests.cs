using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Tests.Data;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Bilateral;

/// <summary>
/// The paper preset end to end on generated CIFAR-100-shaped files in both formats (python pickles and binary), through
/// Datasets.Cifar100(root) and BilateralExperiment, with tiny epochs and width; and the user's command through the CLI.
/// </summary>
public class PaperPresetSmokeTests
{
    private static string Root(bool python)
    {
        var root = Directory.CreateTempSubdirectory("bilateral-paper-").FullName;
        var train = Cifar100PickleFixture.Make(40, 0);
        var test = Cifar100PickleFixture.Make(10, 101);
        if (python) Cifar100PickleFixture.WritePythonFolder(root, train, test);
        else Cifar100PickleFixture.WriteBinaryFolder(root, train, test);
        return root;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Paper_preset_with_the_original_protocol_runs_end_to_end(bool python)
    {
        TorchRuntime.EnsureLoaded();
        var root = Root(python);
        try
        {
            var (train, test) = Datasets.Cifar100(root);
            using var _a = train;
            using var _b = test;
            train.Images.shape.Should().Equal(40, 3, 32, 32);
            var options = BilateralExperimentOptions.Paper();
            options.Protocol = TrainingProtocol.Original;
            options.CompareProtocols = true;
            options.Width = 0.0625;
            options.Seeds = [0, 1];
            options.EnsemblePool = 2;
            options.EnsembleSizes = [2];
            foreach (var s in new[] { options.Training.Stage1, options.Training.Stage2, options.Training.EndToEnd }) { s.Epochs = 1; s.BatchSize = 16; }
            var result = new BilateralExperiment(options).Run(new ExperimentContext(train, test));

            string reference = BilateralExperiment.SpecializedRow(TrainingProtocol.Original);
            result.Reference.Should().Be(reference);
            result.Summary.Select(r => r.Model).Should().Contain([reference, BilateralExperiment.SpecializedRow(TrainingProtocol.Clean),
                "unilateral ResNet-9", "ResNet-18", "ResNet-34", "bilateral ResNet-9 (end to end)", "ensemble first 2 of 2 ResNet-9 (training order)"]);
            result.Summary.Should().OnlyContain(r => r.Seeds == 2);
            result.Comparisons.Should().Contain(c => c.Metric == "fine accuracy" && c.Comparison.Name == $"unilateral ResNet-9 - {reference}" && c.Comparison.N == 2);
            result.Table.Rows.Where(r => r.Model == "unilateral ResNet-9").Should().OnlyContain(r => r.Metrics.ContainsKey("fine paired diff"));
            var csv = File.ReadAllLines(result.WriteComparisons(Path.Combine(root, "out")));
            csv[0].Should().StartWith("metric,row,reference,n,mean_diff");
            csv.Length.Should().Be(result.Comparisons.Count + 1);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Cli_paper_command_with_a_shard_writes_results_and_comparisons()
    {
        TorchRuntime.EnsureLoaded();
        var root = Root(python: true);
        var outDir = Path.Combine(root, "run");
        try
        {
            int code = CliApp.Build().Parse(["bilateral", "--preset", "paper", "--protocol", "original", "--dataset", "cifar100",
                "--data-dir", root, "--shard", "2/2", "--seeds", "2", "--epochs", "1", "--width", "0.0625", "--out", outDir, "--json"]).Invoke();
            code.Should().Be(0);
            var results = File.ReadAllText(Path.Combine(outDir, "results.csv"));
            results.Should().Contain(BilateralExperiment.SpecializedRow(TrainingProtocol.Original)).And.Contain("ensemble first 5 of 10 ResNet-9 (training order)");
            File.Exists(Path.Combine(outDir, "comparisons.csv")).Should().BeTrue();
            File.ReadAllText(Path.Combine(outDir, "results.json")).Should().Contain("GPU hours");

            int bad = CliApp.Build().Parse(["bilateral", "--protocol", "paper", "--out", Path.Combine(root, "bad")]).Invoke();
            bad.Should().Be(2, "an unknown protocol is a user error");
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
