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

public class MultiObjectComposerTests
{
    [Theory]
    [InlineData(2, 0.0)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.25)]
    public void Masks_labels_and_overlap_are_consistent(int objects, double overlap)
    {
        TorchRuntime.EnsureLoaded();
        using var digits = MultiObjectComposer.SyntheticDigits(5, seed: 1);
        using var set = MultiObjectComposer.Compose(digits, 40, new MultiObjectOptions { Objects = objects, Overlap = overlap }, seed: 2);
        set.Images.shape.Should().Equal(40, 1, 32, 32);
        set.Masks.shape.Should().Equal(40, objects, 32, 32);
        set.Labels.sum(1).eq(objects).all().item<bool>().Should().BeTrue("k-hot labels with k distinct classes");
        set.Masks.sum([2, 3]).gt(0).all().item<bool>().Should().BeTrue("every object has pixels");
        // Pixels outside every mask are (nearly) black; pixels inside some mask are mostly bright.
        var any = set.Masks.sum(1, keepdim: true).gt(0);
        set.Images.masked_select(any.logical_not()).mean().item<float>().Should().BeLessThan(0.1f);
        set.Images.masked_select(any).mean().item<float>().Should().BeGreaterThan(0.4f);
        set.Images.max().item<float>().Should().BeLessThanOrEqualTo(1f);
        var ov = set.Overlap.data<float>().ToArray();
        if (overlap == 0) ov.Should().OnlyContain(v => v == 0);
        else ov.Average().Should().BeApproximately((float)overlap, 0.12f);
    }

    [Fact]
    public void Noise_and_transforms_keep_labels_and_change_images()
    {
        TorchRuntime.EnsureLoaded();
        using var digits = MultiObjectComposer.SyntheticDigits(3, seed: 1);
        using var set = MultiObjectComposer.Compose(digits, 10, new MultiObjectOptions(), seed: 3);
        using var noisy = set.WithNoise(0.1, seed: 4);
        using var moved = set.Transformed(45, 0.8, 1.2, 0.1, seed: 5);
        (noisy.Images - set.Images).square().mean().item<float>().Should().BeGreaterThan(0.02f);
        (moved.Images - set.Images).abs().mean().item<float>().Should().BeGreaterThan(0.01f);
        (moved.Labels - set.Labels).abs().sum().item<float>().Should().Be(0);
        moved.Masks.shape.Should().Equal(set.Masks.shape);
    }

    [Fact]
    public void A_tiny_komplexnet_run_learns()
    {
        TorchRuntime.EnsureLoaded();
        int threads = torch.get_num_threads();
        torch.set_num_threads(1); // tiny ops: one thread avoids oversubscription on a shared machine
        try
        {
            torch.manual_seed(0);
            using var digits = MultiObjectComposer.SyntheticDigits(6, seed: 1);
            using var set = MultiObjectComposer.Compose(digits, 48, new MultiObjectOptions(), seed: 2);
            var net = SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(3).Steps(2)).Build();
            float Loss()
            {
                using var _ = no_grad();
                return SynchronyTraining.Loss(net, set.Images, set.Labels, set.Masks, 1.0, new Generator(0)).item<float>();
            }
            float before = Loss();
            var fit = SynchronyTraining.Fit(net, set, set, new SynchronyTrainingOptions { Epochs = 4, BatchSize = 16, LearningRate = 1e-2 });
            float after = Loss();
            fit.History.Should().HaveCount(4);
            after.Should().BeLessThan(before * 0.9f);
        }
        finally { torch.set_num_threads(threads); }
    }
}
