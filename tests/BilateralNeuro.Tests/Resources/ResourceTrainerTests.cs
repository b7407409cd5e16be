using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using BilateralNeuro.Resources.Training;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Resources;

public class ResourceTrainerTests
{
    private static (ResourceReport Size, double Accuracy, IReadOnlyList<ResourceEpoch> History) Train(double pressure, int seed = 3)
    {
        torch.manual_seed(seed);
        using var data = SyntheticBars.Create(96, seed, size: 10);
        var (net, penalty) = LatticeNetwork.Create().Classes(2).MaxLayers(2).MaxChannels(8).MaxSteps(3)
            .Pressure(breadth: pressure, depth: pressure, time: pressure).ActiveThreshold(0.05).BuildWithPenalty();
        using (net)
        {
            var source = new BatchSource(data, 32, seed: seed);
            var history = new ResourceProtocol(new ResourceTrainerOptions { Epochs = 5, LearningRate = 0.02, GateLearningRate = 0.1, PressureWarmupEpochs = 0, RecalibrationBatches = 3 }).Train(net, penalty, source);
            var eval = LatticeEvaluator.Evaluate(net, new BatchSource(data, 64, shuffle: false));
            return (penalty.Measure(net), eval.Accuracy, history);
        }
    }

    [Fact]
    public void More_pressure_gives_a_smaller_network_and_training_learns()
    {
        var free = Train(0);
        var pressed = Train(0.3);
        free.History[^1].TaskLoss.Should().BeLessThan(free.History[0].TaskLoss);
        free.Accuracy.Should().BeGreaterThan(0.8);
        pressed.Size.Breadth.Should().BeLessThan(free.Size.Breadth);
        pressed.History[^1].Breadth.Should().BeLessThan(free.History[^1].Breadth);
        pressed.History[^1].Time.Should().BeLessThan(free.History[^1].Time);
    }

    [Fact]
    public void Builder_sets_options_and_lists_every_problem()
    {
        var (net, penalty) = LatticeNetwork.Create().MaxLayers(2).MaxChannels(5).MaxSteps(3).Connections(Connections.BL)
            .Time(TimeMode.FixedMixing).Pressure(breadth: 1e-2, time: 0).BuildWithPenalty();
        using (net)
        {
            net.Layers.Should().Be(2);
            net.LayerChannels.Should().Equal(5, 5);
            net.Steps.Should().Be(3);
            net.Connections.Should().Be(Connections.BL);
            net.TimeMode.Should().Be(TimeMode.FixedMixing);
            penalty.Options.BreadthPressure.Should().Be(1e-2);
            penalty.Options.DepthPressure.Should().Be(1e-3);
            penalty.Options.TimePressure.Should().Be(0);
        }
        var act = () => LatticeNetwork.Create().MaxChannels(0).Classes(1).HaltThreshold(2).Build();
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(3);
        var bad = () => new ResourceProtocol(new ResourceTrainerOptions { Epochs = 0, LearningRate = -1 });
        bad.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }
}
