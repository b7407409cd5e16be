using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Cli;
using System.CommandLine;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace BilateralNeuro.Tests.Bilateral;

/// <summary>WithVgg11 adds the VGG-11 rows (specialised, hemispheres alone, end to end, unilateral) beside the ResNet-9 table.</summary>
public class Vgg11RowsTests
{
    private static BilateralExperimentOptions Tiny()
    {
        var o = BilateralExperimentOptions.Quick();
        o.Seeds = [0];
        o.Width = 0.0625;
        o.Vgg11Width = 0.03125;
        o.WithVgg11 = true;
        o.CompareProtocols = false;
        o.ResNet18 = o.ResNet34 = false;
        o.EnsemblePool = 2;
        o.EnsembleSizes = [2];
        o.TrainLimit = null;
        o.TestLimit = null;
        foreach (var s in new[] { o.Training.Stage1, o.Training.Stage2, o.Training.EndToEnd }) { s.Epochs = 1; s.BatchSize = 16; }
        o.Training.Normalization = Normalization.None(1);
        return o;
    }

    [Fact]
    public void With_vgg11_adds_the_vgg11_rows_beside_the_resnet9_table()
    {
        TorchRuntime.EnsureLoaded();
        using var train = SyntheticHierarchy.Create(60, seed: 3);
        using var test = SyntheticHierarchy.Create(20, seed: 4);
        var result = new BilateralExperiment(Tiny()).Run(new ExperimentContext(train, test));

        var rows = result.Summary.ToDictionary(r => r.Model);
        string vggReference = BilateralExperiment.SpecializedRow(TrainingProtocol.Clean, BackboneKind.Vgg11);
        rows.Keys.Should().Contain([BilateralExperiment.SpecializedRow(TrainingProtocol.Clean), "unilateral ResNet-9", "ensemble top-2 of 2 ResNet-9 (validation)",
            vggReference, "left VGG-11 alone (fine)", "right VGG-11 alone (coarse)", "bilateral VGG-11 (end to end)", "unilateral VGG-11"]);
        rows.Keys.Should().NotContain(k => k.StartsWith("ensemble", StringComparison.Ordinal) && k.Contains("VGG-11"), "the flag adds no VGG-11 ensembles");
        rows[vggReference].Parameters.Should().NotBe(rows[BilateralExperiment.SpecializedRow(TrainingProtocol.Clean)].Parameters);
        rows[vggReference].Parameters.Should().Be(rows["bilateral VGG-11 (end to end)"].Parameters, "same architecture, specialised or not");
        result.Reference.Should().Be(BilateralExperiment.SpecializedRow(TrainingProtocol.Clean), "the ResNet-9 specialised row stays the reference");
        result.Comparisons.Should().Contain(c => c.Comparison.Name == $"unilateral VGG-11 - {result.Reference}");
        result.Notes.Should().Contain(n => n.StartsWith("VGG-11 rows", StringComparison.Ordinal) && n.Contains("width 0.0312"));
    }

    [Fact]
    public void With_vgg11_is_validated_and_counted_by_the_cost_estimate()
    {
        TorchRuntime.EnsureLoaded();
        var o = Tiny();
        o.Backbone = BackboneKind.Vgg11;
        o.Vgg11Width = 0;
        var act = () => new BilateralExperiment(o);
        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("WithVgg11") && f.Contains("needs Backbone ResNet9"))
            .And.Contain(f => f.Contains("Vgg11Width must lie in (0, 16]"));

        var quick = BilateralExperimentOptions.Quick();
        var without = BilateralCostEstimate.For(quick, 2500, 1000, 1, 28, 10, 4);
        quick.WithVgg11 = true;
        var with = BilateralCostEstimate.For(quick, 2500, 1000, 1, 28, 10, 4);
        with.Items.Should().HaveCount(without.Items.Count + 2);
        with.Items.Where(i => i.Model.StartsWith("VGG-11 rows", StringComparison.Ordinal)).Should().OnlyContain(i => i.Flops > 0);
        with.TotalFlops.Should().BeGreaterThan(without.TotalFlops);
    }

    [Fact]
    public void Vgg11_seeds_limit_the_vgg11_rows_to_the_listed_seeds_and_leave_them_out_of_the_paired_statistics()
    {
        TorchRuntime.EnsureLoaded();
        using var train = SyntheticHierarchy.Create(60, seed: 3);
        using var test = SyntheticHierarchy.Create(20, seed: 4);
        var o = Tiny();
        o.Seeds = [0, 1];
        o.Vgg11Seeds = [1, 7];   // 7 is not a seed of this run (e.g. another shard's): ignored
        var result = new BilateralExperiment(o).Run(new ExperimentContext(train, test));

        result.Table.Rows.Where(r => r.Model.Contains("VGG-11")).Select(r => r.Seed).Distinct().Should().Equal(1);
        result.Table.Rows.Where(r => r.Model == "unilateral ResNet-9").Select(r => r.Seed).Should().BeEquivalentTo([0, 1]);
        result.Summary.Single(r => r.Model == "unilateral VGG-11").Seeds.Should().Be(1);
        result.Comparisons.Should().NotContain(c => c.Comparison.Name.Contains("VGG-11"), "one VGG-11 seed cannot be paired with the two reference seeds");
        result.Comparisons.Should().Contain(c => c.Comparison.Name == $"unilateral ResNet-9 - {result.Reference}");
        result.Notes.Should().Contain(n => n.StartsWith("VGG-11 rows", StringComparison.Ordinal) && n.Contains("seed 1 only") && n.Contains("no paired statistics"));
        result.Notes.Should().Contain(n => n.Contains("models trained per seed: 4 (+3 VGG-11 models for seed 1)"));

        var estimate = BilateralCostEstimate.For(o, train, test);
        var all = o; all.Vgg11Seeds = null;
        var everySeed = BilateralCostEstimate.For(all, train, test);
        var one = estimate.Items.Where(i => i.Model.StartsWith("VGG-11 rows", StringComparison.Ordinal)).ToList();
        var both = everySeed.Items.Where(i => i.Model.StartsWith("VGG-11 rows", StringComparison.Ordinal)).ToList();
        one.Should().HaveCount(2).And.OnlyContain(i => i.Seeds == 1);
        both.Should().OnlyContain(i => i.Seeds == null);
        one.Select(i => i.Flops * 2).Should().Equal(both.Select(i => i.Flops), "one of two seeds is half the VGG-11 compute");
        estimate.Lines().Should().Contain(l => l.StartsWith("VGG-11 rows", StringComparison.Ordinal) && l.EndsWith("over 1 seed(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Vgg11_seeds_are_validated_and_the_quick_preset_trains_the_vgg11_rows_for_seed_0_only()
    {
        BilateralExperimentOptions.Quick().Vgg11Seeds.Should().Equal(0);
        BilateralExperimentOptions.Paper().Vgg11Seeds.Should().BeNull("the paper preset trains every row for every seed");
        foreach (var bad in new List<int>[] { [], [0, 0] })
        {
            var o = Tiny();
            o.Vgg11Seeds = bad;
            var act = () => new BilateralExperiment(o);
            act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain(f => f.Contains("Vgg11Seeds must list at least one seed, each once"));
        }
    }

    [Fact]
    public void Original_vgg11_folds_fc6_on_a_1x1_trunk_into_the_same_function_and_gradients_as_the_pooled_path()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(5);
        using var vgg = new OriginalVgg11(inputChannels: 1, width: 0.125);
        // The unfolded reference: torchvision's layout (Vgg with its classifier) carrying the same weights, run as
        // trunk -> 7x7 adaptive pool -> flatten -> classifier.0..5 (fc6, ReLU, Dropout, fc7, ReLU, Dropout).
        using var reference = new Vgg(11, classes: 1, width: 0.125, batchNorm: false, inputChannels: 1);
        reference.load_state_dict(vgg.state_dict(), strict: false);
        vgg.eval();
        reference.eval();
        using var x = torch.randn(3, 1, 28, 28);
        using var y = vgg.call(x);
        using var pooled = reference.AvgPool.call(reference.Features.call(nn.functional.pad(x, [2, 2, 2, 2]))).flatten(1);
        pooled.shape.Should().Equal(3, reference.FeatureChannels * 49L);
        Tensor expected = pooled;
        foreach (var m in reference.Classifier.children().Take(6).Cast<nn.Module<Tensor, Tensor>>()) expected = m.call(expected);
        y.shape.Should().Equal(3, vgg.FeatureSize);
        y.allclose(expected, rtol: 1e-4, atol: 1e-5).Should().BeTrue($"max difference {(y - expected).abs().max().item<float>()}");
        y.abs().sum().item<float>().Should().BeGreaterThan(0, "a zero output would make the comparison vacuous");

        // Gradients of fc6 (classifier.0.weight) and of the first convolution agree too.
        y.sum().backward();
        expected.sum().backward();
        var fold = vgg.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var full = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var key in new[] { "classifier.0.weight", "classifier.0.bias", "features.0.weight" })
        {
            fold[key].grad!.allclose(full[key].grad!, rtol: 1e-4, atol: 1e-6).Should().BeTrue(key);
            fold[key].grad!.abs().sum().item<float>().Should().BeGreaterThan(0, key);
        }
        vgg.state_dict().Keys.Should().NotContain(k => !k.StartsWith("features.", StringComparison.Ordinal) && !k.StartsWith("classifier.", StringComparison.Ordinal),
            "the fold adds no parameters or buffers");
    }

    [Fact]
    public void Vgg11_seeds_option_of_the_sample_and_the_cli_takes_a_count_or_all_and_names_a_bad_value()
    {
        BilateralExperimentOptions Bind(params string[] args)
        {
            var defs = new BilateralCommandOptions();
            var root = new RootCommand("samples/Bilateral");
            defs.AddTo(root);
            var parse = root.Parse(args);
            parse.Errors.Should().BeEmpty();
            return defs.Bind(parse, cifar100: false);
        }
        Bind("--with-vgg11").Vgg11Seeds.Should().Equal(0);
        Bind("--with-vgg11", "--vgg11-seeds", "all").Vgg11Seeds.Should().BeNull();
        Bind("--with-vgg11", "--vgg11-seeds", "2").Vgg11Seeds.Should().Equal(0, 1);
        Bind("--preset", "paper", "--with-vgg11").Vgg11Seeds.Should().BeNull();
        foreach (var bad in new[] { "0", "two" })
        {
            var act = () => Bind("--with-vgg11", "--vgg11-seeds", bad);
            act.Should().Throw<ArgumentException>().WithMessage($"--vgg11-seeds: '{bad}' is not a positive whole number of seeds or 'all'.");
        }
        var (plan, _) = ExperimentRunner.Resolve(CliApp.Build().Parse(["bilateral", "--with-vgg11", "--vgg11-seeds", "all"]));
        ((BilateralExperimentOptions)plan.Options).Vgg11Seeds.Should().BeNull("the CLI command binds the same definition");
    }
}
