using BilateralNeuro.Beyond;
using BilateralNeuro.Beyond.Training;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Tests.Bilateral;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public class BeyondProtocolTests
{
    internal static BeyondTrainingOptions Tiny(int epochs = 2) => new()
    {
        Bilateral = new()
        {
            Stage1 = new() { Epochs = epochs, LearningRate = 3e-3, WeightDecay = 0, BatchSize = 32 },
            Stage2 = new() { Epochs = 8, LearningRate = 1e-2, WeightDecay = 0, BatchSize = 32 },
            Stage3 = new() { Epochs = 0 },
            EndToEnd = new() { Epochs = 1 },
            Augmentation = Augmentation.None,
            Normalization = Normalization.None(1),
            Seed = 1,
        },
        RecalibrationBatches = 2,
    };

    internal static BeyondResult Run(AsymmetricBilateralNetwork net, BeyondTrainingOptions? options = null)
    {
        using var data = SyntheticHierarchy.Create(160, seed: 3);
        var (train, val) = data.SplitValidation(0.2, seed: 1);
        using var _t = train;
        using var _v = val;
        var protocol = new BeyondProtocol(options ?? Tiny());
        var result = protocol.Train(net, train, val);
        // The cached stage-2 heads evaluate the same through the full network on images.
        var eval = Trainer.Evaluate(net, protocol.EvalSource(val), protocol.HeadSpecs(net.Head.Definitions));
        eval["fine/accuracy"].Should().BeApproximately(result.Stage2.BestValidation["fine/accuracy"], 1e-6);
        return result;
    }

    [Fact]
    public void Asymmetric_linked_network_learns_and_ends_frozen()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(8);
        using var net = AsymmetricNetworkTests.NarrowDeepWideShallow(b => b.LinkLeftToRight(1, 0).LinkRightToLeft(1, 3, CallosalMode.Attention));
        var r = Run(net);
        r.Stage1[^1].LeftLoss.Should().BeLessThan(r.Stage1[0].LeftLoss);
        r.Stage1[^1].RightLoss.Should().BeLessThan(r.Stage1[0].RightLoss);
        r.Stage2.BestValidation["fine/accuracy"].Should().BeGreaterThan(0.4, "chance is 1/6");
        r.Stage2.BestValidation["coarse/accuracy"].Should().BeGreaterThan(0.5, "chance is 1/3");
        net.Left.IsFrozen.Should().BeTrue();
        net.Right.IsFrozen.Should().BeTrue();
        net.Links.SelectMany(l => l.parameters()).Should().OnlyContain(p => !p.requires_grad);
        r.LeftResources.Should().BeNull();
    }

    [Fact]
    public void Lattice_hemisphere_under_time_pressure_learns_and_reports_its_size()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(9);
        using var net = AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125).Specialize(LabelLevel.Fine))
            .Right(h => h.Lattice(l => l.MaxLayers(3).MaxChannels(8).MaxSteps(3).Pressure(breadth: 1e-3, depth: 1e-3, time: 0.1), features: 16).Specialize(LabelLevel.Coarse))
            .Heads(fine: 6, coarse: 3, dropout: 0.2).Build();
        var gatesBefore = ((LatticeHemisphere)net.Right).Lattice.DepthGates().detach().clone();
        var r = Run(net, Tiny(epochs: 3));
        r.Stage1[^1].RightLoss.Should().BeLessThan(r.Stage1[0].RightLoss);
        r.Stage1.Should().OnlyContain(e => e.ResourceCost > 0);
        r.RightResources.Should().NotBeNull();
        r.RightResources!.Time.Should().BeInRange(1, 3);
        r.RightResources.Depth.Should().BeInRange(1, 3);
        ((LatticeHemisphere)net.Right).Lattice.DepthGates().allclose(gatesBefore).Should().BeFalse("the gates are trained");
        r.Stage2.BestValidation["coarse/accuracy"].Should().BeGreaterThan(0.5, "chance is 1/3");
    }

    [Theory]
    [InlineData(ObjectiveKind.Reconstruction)]
    [InlineData(ObjectiveKind.Contrastive)]
    public void Self_supervised_right_hemisphere_lowers_its_loss_without_labels(ObjectiveKind kind)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(10);
        var objective = kind == ObjectiveKind.Reconstruction ? HemisphereObjective.Reconstruct() : HemisphereObjective.Contrast();
        using var net = AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125).Specialize(LabelLevel.Fine))
            .Right(h => h.ResNet9(0.125).SelfSupervised(objective))
            .Heads(fine: 6, coarse: 3, dropout: 0.2).Build();
        var r = Run(net, Tiny(epochs: 3));
        r.Stage1[^1].RightLoss.Should().BeLessThan(r.Stage1[0].RightLoss);
        r.Stage1[^1].Validation.Should().NotContainKey("right/accuracy");
        r.Stage1[^1].Validation.Should().ContainKey("left/accuracy");
        r.Stage2.BestValidation["coarse/accuracy"].Should().BeGreaterThan(0.5, "chance is 1/3");
    }
}
