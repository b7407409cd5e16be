using BilateralNeuro.Beyond;
using BilateralNeuro.Beyond.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public class HemisphereProbeTests
{
    [Fact]
    public void Ridge_probe_reads_a_level_the_features_carry_and_not_one_they_do_not()
    {
        TorchRuntime.EnsureLoaded();
        var g = new torch.Generator(5);
        using var yTrain = torch.randint(0, 4, [400], generator: g);
        using var yTest = torch.randint(0, 4, [200], generator: g);
        using var centres = torch.randn([4, 8], generator: g) * 3;
        // Features = class centre + noise: the probe should read the class; a label independent of the features should not be read.
        using var xTrain = centres.index_select(0, yTrain) + torch.randn([400, 8], generator: g);
        using var xTest = centres.index_select(0, yTest) + torch.randn([200, 8], generator: g);
        HemisphereProbe.Accuracy(xTrain, yTrain, xTest, yTest, 4).Should().BeGreaterThan(0.9);
        using var other = torch.randint(0, 4, [400], generator: g);
        using var otherTest = torch.randint(0, 4, [200], generator: g);
        HemisphereProbe.Accuracy(xTrain, other, xTest, otherTest, 4).Should().BeLessThan(0.45, "chance is 0.25");
    }

    [Fact]
    public void Probe_refuses_mismatched_shapes_and_labels()
    {
        TorchRuntime.EnsureLoaded();
        using var x = torch.randn(10, 3);
        using var y = torch.zeros(10, dtype: torch.int64);
        using var x4 = torch.randn(10, 4);
        var act = () => HemisphereProbe.Accuracy(x, y, x4, y, 2);
        act.Should().Throw<ArgumentException>().WithMessage("*same D*");
        using var bad = torch.full(10, 5, dtype: torch.int64);
        var act2 = () => HemisphereProbe.Accuracy(x, bad, x, y, 2);
        act2.Should().Throw<ArgumentException>().WithMessage("*labels must lie in [0, 2)*");
    }

    [Fact]
    public void Labelfree_variant_trains_neither_hemisphere_on_labels()
    {
        TorchRuntime.EnsureLoaded();
        var x = new BeyondExperiment(new BeyondExperimentOptions { Variants = ["labelfree", "contrastive+labelfree"] });
        using var a = x.Build("labelfree", 1, 6, 3);
        a.Left.Objective.UsesLabels.Should().BeFalse();
        a.Right.Objective.Kind.Should().Be(ObjectiveKind.Reconstruction);
        using var b = x.Build("contrastive+labelfree", 1, 6, 3);
        b.Left.Objective.Kind.Should().Be(ObjectiveKind.Contrastive);
        b.Right.Objective.Kind.Should().Be(ObjectiveKind.Contrastive);
    }
}
