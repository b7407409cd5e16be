using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using BilateralNeuro.Synchrony;

namespace BilateralNeuro.Tests.Synchrony;

/// <summary>
/// Guards against the failure every earlier run showed (all models stuck at the label prior: per-label accuracy
/// 0.800, F1 0): a small model must be able to fit a small composed set far beyond chance through the whole
/// training loop (batching of images with their own labels, loss, Adam, clipping, best-epoch restore, metrics).
/// </summary>
public class TrainingRegressionTests
{
    [Fact]
    public void Real_baseline_fits_a_small_composed_mnist_set_far_above_chance()
    {
        TorchRuntime.EnsureLoaded();
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            torch.manual_seed(0);
            var (train, test) = Datasets.MnistDigits();
            using var _ = test;
            using var __ = train;
            using var set = MultiObjectComposer.Compose(train, 64, new MultiObjectOptions(), seed: 3);
            var net = SynchronyModels.RealBaseline();
            var before = SynchronyTraining.Evaluate(net, set, phaseMetrics: false);
            var fit = SynchronyTraining.Fit(net, set, set, new SynchronyTrainingOptions { Epochs = 30, BatchSize = 16, LearningRate = 3e-3 });
            var after = SynchronyTraining.Evaluate(net, set, phaseMetrics: false);
            // Chance exact match for 2 of 10 labels is 1/45 = 0.022; the prior-only predictor has F1 0.
            before.ExactMatch.Should().BeLessThan(0.2);
            after.ExactMatch.Should().BeGreaterThan(0.6, "the loop must be able to fit 64 images (got {0:F3})", after.ExactMatch);
            after.F1.Should().BeGreaterThan(0.5);
            fit.BestValidationExactMatch.Should().BeApproximately(after.ExactMatch, 1e-9, "the best epoch's weights are restored");
        }
        finally { torch.set_num_threads(threads); }
    }

    [Fact]
    public void Quick_defaults_make_hundreds_of_adam_steps()
    {
        // The old default (480 training images, 2 epochs, batch 64) made 16 Adam steps: far too few to leave the
        // label prior. The quick preset must give every model a few hundred steps (300 since the default moved to
        // T = 15 / k = 13, where a KomplexNet image costs ~15 ms of CPU instead of ~11 ms at T = 3 / k = 5 on 32x32).
        var o = new SynchronyExperimentOptions();
        double steps = Math.Ceiling(o.TrainImages * (1 - o.ValidationFraction) / o.Training.BatchSize) * o.Training.Epochs;
        steps.Should().BeGreaterThanOrEqualTo(300);
    }
}
