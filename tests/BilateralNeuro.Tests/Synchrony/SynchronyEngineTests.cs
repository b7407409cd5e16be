using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Synchrony.Training;
using BilateralNeuro.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Synchrony;

public class SynchronyEngineTests
{
    [Fact]
    public void KomplexNet_training_reports_classification_and_synchrony_losses_as_separate_metrics()
    {
        TorchRuntime.EnsureLoaded();
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            torch.manual_seed(0);
            using var digits = MultiObjectComposer.SyntheticDigits(4, seed: 1);
            using var set = MultiObjectComposer.Compose(digits, 24, new MultiObjectOptions(), seed: 2);
            using var net = new KomplexNet(new KomplexNetOptions { Kuramoto = new KuramotoOptions { KernelSize = 3, Steps = 2 } });
            var steps = new List<StepReport>();
            var epochs = new List<EpochMetrics>();
            var fit = SynchronyTraining.Fit(net, set, set, new SynchronyTrainingOptions { Epochs = 2, BatchSize = 8, LearningRate = 1e-2, SynchronyWeight = 0.5 },
                callbacks: [new TrainingCallback(steps.Add, epochs.Add)]);

            steps.Should().HaveCount(6);
            foreach (var s in steps)
            {
                s.Metrics.Should().ContainKeys("classification", "synchrony", "labels/exact");
                s.Loss.Should().BeApproximately(s.Metrics["classification"] + 0.5 * s.Metrics["synchrony"], 1e-4);
            }
            epochs.Should().HaveCount(2);
            epochs[^1].Validation.Should().ContainKey("labels/exact");
            fit.BestValidationExactMatch.Should().Be(epochs.Max(e => e.Validation["labels/exact"]));
        }
        finally { torch.set_num_threads(threads); }
    }
}
