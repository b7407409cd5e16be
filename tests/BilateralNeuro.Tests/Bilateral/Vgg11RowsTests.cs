using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Microsoft.Extensions.Options;
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
}
