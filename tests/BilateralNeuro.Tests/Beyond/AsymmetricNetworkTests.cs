using BilateralNeuro.Beyond;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public class AsymmetricNetworkTests
{
    internal static AsymmetricBilateralNetwork NarrowDeepWideShallow(Func<BeyondBuilder, BeyondBuilder>? links = null)
    {
        var b = AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet18(0.0625).Specialize(LabelLevel.Fine))
            .Right(h => h.WideShallow(24, 48).Specialize(LabelLevel.Coarse))
            .Heads(fine: 6, coarse: 3, dropout: 0.2);
        return (links?.Invoke(b) ?? b).Build();
    }

    [Fact]
    public void Two_different_backbones_give_the_bilateral_head_interface()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(1);
        using var net = NarrowDeepWideShallow();
        net.eval();
        using var x = torch.randn(3, 1, 12, 12);
        var y = net.call(x);
        y["fine"].shape.Should().Equal(3, 6);
        y["coarse"].shape.Should().Equal(3, 3);
        y[BilateralNetwork.LeftFeatures].shape.Should().Equal(3, 32);   // ResNet-18 x0.0625: 4-8-16-32
        y[BilateralNetwork.RightFeatures].shape.Should().Equal(3, 48);
        net.Left.StageCount.Should().Be(4);
        net.Right.StageCount.Should().Be(2);
        net.Head.LeftFeatures.Should().Be(32);
        net.Head.RightFeatures.Should().Be(48);
        net.state_dict().Keys.Should().Contain(["left.backbone.stem.0.weight", "right.backbone.layers.0.0.weight", "head.heads.fine.weight"]);
    }

    [Fact]
    public void Running_the_stages_equals_the_wrapped_backbone()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(2);
        foreach (var h in new[] {
            ConvHemisphere.ResNet9(1, 0.125, HemisphereObjective.Classify(LabelLevel.Fine)),
            ConvHemisphere.ResNet18(1, 0.0625, HemisphereObjective.Classify(LabelLevel.Fine)),
            ConvHemisphere.WideShallow(1, [8, 16], HemisphereObjective.Reconstruct()) })
        {
            using var _ = h;
            h.eval();
            using var x = torch.randn(2, 1, 16, 16);
            using var staged = h.call(x);
            using var direct = h.Backbone.call(x);
            staged.shape.Should().Equal(2, h.FeatureSize);
            staged.allclose(direct, rtol: 1e-5, atol: 1e-6).Should().BeTrue(h.Description);
        }
    }

    [Fact]
    public void A_lattice_hemisphere_gives_time_weighted_features_and_a_time_distribution()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(3);
        using var net = AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125).Specialize(LabelLevel.Fine))
            .Right(h => h.Lattice(l => l.MaxLayers(3).MaxChannels(8).MaxSteps(3).Pressure(time: 0.05), features: 20).Specialize(LabelLevel.Coarse))
            .Heads(fine: 6, coarse: 3).Build();
        using var x = torch.randn(4, 1, 12, 12);
        var y = net.call(x);
        y[BilateralNetwork.RightFeatures].shape.Should().Equal(4, 20);
        y[AsymmetricBilateralNetwork.RightTime].shape.Should().Equal(4, 3);
        y[AsymmetricBilateralNetwork.RightTime].sum(1).allclose(torch.ones(4), atol: 1e-5).Should().BeTrue();
        y.Should().NotContainKey(AsymmetricBilateralNetwork.LeftTime);
        var lattice = (LatticeHemisphere)net.Right;
        lattice.Penalty.Options.TimePressure.Should().Be(0.05);
        var cost = lattice.Cost(y[AsymmetricBilateralNetwork.RightTime]);
        cost.Total.backward();
        var gates = lattice.Lattice.named_parameters().Where(p => p.name.EndsWith("gate")).Select(p => p.parameter).ToList();
        gates.Should().HaveCount(4);
        gates.Select(g => g.grad is { } grad ? grad.abs().sum().item<float>() : 0f).Should().OnlyContain(v => v > 0);
        var size = lattice.Measure(y[AsymmetricBilateralNetwork.RightTime].detach());
        size.Depth.Should().Be(3);
        size.Breadth.Should().Be(24);
        size.Time.Should().BeInRange(1, 3);
    }

    [Fact]
    public void Build_lists_every_problem()
    {
        TorchRuntime.EnsureLoaded();
        var act = () => AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125))
            .Right(h => h.Lattice(l => l.MaxSteps(0)).Specialize(LabelLevel.Coarse))
            .Heads(fine: 6, coarse: 3).Build();
        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("Left: no objective")).And.Contain(f => f.Contains("MaxSteps"));

        var links = () => AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125).Specialize(LabelLevel.Fine))
            .Right(h => h.Lattice(l => l.MaxLayers(2).MaxChannels(4).MaxSteps(2)).Specialize(LabelLevel.Coarse))
            .LinkLeftToRight(0, 0).LinkRightToLeft(0, 5).Heads(fine: 6, coarse: 3).Build();
        links.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("no intermediate stages")).And.Contain(f => f.Contains("target stage must lie in [0, 2]"));

        var cycle = () => NarrowDeepWideShallow(b => b.LinkLeftToRight(1, 0).LinkRightToLeft(0, 0));
        cycle.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain(f => f.Contains("cycle"));

        var missingHead = () => AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125).Specialize(LabelLevel.Fine))
            .Right(h => h.ResNet9(0.125).Specialize(LabelLevel.Coarse))
            .Heads(new HeadDefinition("fine", 6)).Build();
        missingHead.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain(f => f.Contains("'coarse' but there is no such head"));
    }
}
