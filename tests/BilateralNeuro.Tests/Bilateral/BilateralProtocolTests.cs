using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Bilateral;

public class BilateralProtocolTests
{
    private static BilateralTrainingOptions Tiny(bool cache = true) => new()
    {
        Stage1 = new() { Epochs = 2, LearningRate = 3e-3, WeightDecay = 0, BatchSize = 32 },
        Stage2 = new() { Epochs = 6, LearningRate = 1e-2, WeightDecay = 0, BatchSize = 32 },
        Stage3 = new() { Epochs = 0 },
        EndToEnd = new() { Epochs = 2, LearningRate = 3e-3, WeightDecay = 0, BatchSize = 32 },
        Augmentation = Augmentation.None,
        Normalization = Normalization.None(1),
        CacheFeatures = cache,
        Seed = 1,
    };

    private static BilateralNetwork Network() => BilateralNetwork.Create()
        .Left(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Fine))
        .Right(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Coarse))
        .Heads(fine: 6, coarse: 3, dropout: 0.2).Build();

    [Fact]
    public void Two_stage_run_learns_and_leaves_hemispheres_untouched_in_stage_2()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(5);
        using var data = SyntheticHierarchy.Create(240, seed: 3);
        var (train, val) = data.SplitValidation(0.2, seed: 1);
        using var net = Network();
        var protocol = new BilateralProtocol(Tiny());
        var result = protocol.TrainSpecialized(net, train, val);

        result.LeftStage1.History[^1].TrainLoss.Should().BeLessThan(result.LeftStage1.History[0].TrainLoss);
        result.RightStage1.History[^1].TrainLoss.Should().BeLessThan(result.RightStage1.History[0].TrainLoss);
        result.Stage2.History[^1].TrainLoss.Should().BeLessThan(result.Stage2.History[0].TrainLoss);
        result.Stage2.BestValidation["fine/accuracy"].Should().BeGreaterThan(0.5, "chance is 1/6");
        result.Stage2.BestValidation["coarse/accuracy"].Should().BeGreaterThan(0.6, "chance is 1/3");
        result.CacheSeconds.Should().BeGreaterThan(0);
        net.Left.IsFrozen.Should().BeTrue();
        result.LeftClassifier.Definitions.Select(d => d.Name).Should().Equal("fine");
        result.RightClassifier.Definitions.Select(d => d.Name).Should().Equal("coarse");

        // The cached stage-2 heads evaluate the same through the full network on images.
        var eval = Trainer.Evaluate(net, protocol.EvalSource(val), protocol.HeadSpecs(net.Head.Definitions));
        eval["fine/accuracy"].Should().BeApproximately(result.Stage2.BestValidation["fine/accuracy"], 1e-6);
    }

    [Fact]
    public void Uncached_stage_2_through_the_trainer_keeps_hemispheres_frozen()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(6);
        using var data = SyntheticHierarchy.Create(120, seed: 4);
        var (train, val) = data.SplitValidation(0.2, seed: 1);
        using var net = Network();
        var options = Tiny(cache: false);
        options.Stage1.Epochs = 1;
        options.Stage2.Epochs = 2;
        var protocol = new BilateralProtocol(options);
        var (classifier, _) = protocol.TrainHemisphere(net.Left, net.Head.Definitions, train, val, "left");
        var (_, _) = protocol.TrainHemisphere(net.Right, net.Head.Definitions, train, val, "right");
        var before = net.Left.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        net.FreezeHemispheres();
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-2 });
        trainer.Fit(net, protocol.TrainSource(train, 32), null, protocol.HeadSpecs(net.Head.Definitions));
        foreach (var (k, v) in net.Left.state_dict()) v.eq(before[k]).all().item<bool>().Should().BeTrue(k);
        classifier.Hemisphere.Should().BeSameAs(net.Left);
    }

    [Fact]
    public void Options_validation_lists_every_problem()
    {
        var o = Tiny();
        o.Stage1.Epochs = 0;
        o.Stage2.LearningRate = -1;
        o.FineWeight = 0;
        o.CoarseWeight = 0;
        var create = () => new BilateralProtocol(o);
        create.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(3);
        var paper = BilateralTrainingOptions.Paper();
        (paper.Stage1.LearningRate, paper.Stage1.WeightDecay, paper.Stage2.WeightDecay, paper.Stage1.BatchSize, paper.Stage1.Epochs)
            .Should().Be((1e-4, 1e-3, 1e-5, 256, 180));
        paper.Augmentation.Should().Be(Augmentation.CropAndFlip);
    }

    [Fact]
    public void Unspecialised_hemisphere_cannot_run_stage_1()
    {
        TorchRuntime.EnsureLoaded();
        using var data = SyntheticHierarchy.Create(40, seed: 1);
        using var net = BilateralNetwork.Create().Left(h => h.ResNet9().Width(0.125).InputChannels(1))
            .Right(h => h.ResNet9().Width(0.125).InputChannels(1)).Heads(fine: 6, coarse: 3).Build();
        var run = () => new BilateralProtocol(Tiny()).TrainSpecialized(net, data, data);
        run.Should().Throw<InvalidOperationException>().WithMessage("*no specialisation*");
    }
}
