using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Resources;

public class SharedTrainerTests
{
    [Fact]
    public void Shared_trainer_trains_the_lattice_through_its_label_output()
    {
        torch.manual_seed(4);
        using var data = SyntheticBars.Create(96, 4, size: 10);
        using var net = new LatticeNetwork(new LatticeOptions { Classes = 2, MaxLayers = 2, MaxChannels = 6, MaxSteps = 2 });
        var trainer = new Trainer(new TrainerOptions { Epochs = 4, LearningRate = 0.02, RestoreBest = false, BatchSize = 32 });
        var result = trainer.Fit(net, new BatchSource(data, 32, seed: 1), null, [new HeadSpec(LatticeOutputs.Label, LabelLevels.Fine)]);
        result.History[^1].TrainLoss.Should().BeLessThan(result.History[0].TrainLoss);
        result.History[^1].Train[$"{LatticeOutputs.Label}/accuracy"].Should().BeGreaterThan(0.7);
    }
}
