using BilateralNeuro.Core;
using BilateralNeuro.Synchrony;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Synchrony;

public class KomplexNetTests
{
    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void Parameter_counts_match_the_reference_up_to_its_unused_readout_norm()
    {
        TorchRuntime.EnsureLoaded();
        // Reference: real 107,467; KomplexNet 114,696; feedback 122,920. The reference readout also allocates an
        // unused LayerNorm(10) (20 parameters) that this implementation does not create.
        Count(SynchronyModels.RealBaseline()).Should().Be(107_467);
        Count(SynchronyModels.KomplexNet().Build()).Should().Be(114_696 - 20);
        Count(SynchronyModels.KomplexNet().WithFeedback().Build()).Should().Be(122_920 - 20);
    }

    [Fact]
    public void Fluent_builder_sets_options_and_lists_every_problem()
    {
        TorchRuntime.EnsureLoaded();
        var net = SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(13).Steps(4)).WithFeedback().Build();
        net.Timesteps.Should().Be(4);
        net.Options.Feedback.Should().BeTrue();
        var act = () => SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(12).Steps(0)).RandomPhases().WithFeedback().Build();
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Outputs_per_step_logits_and_gradients_reach_kernel_and_input(bool feedback)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(0);
        var b = SynchronyModels.KomplexNet().Oscillators(k => k.Steps(3));
        if (feedback) b = b.WithFeedback();
        var net = b.Build();
        var x = torch.rand(2, 1, 32, 32).requires_grad_(true);
        var outs = net.call(x);
        outs["labels"].shape.Should().Equal(2, 10);
        outs["labels_per_step"].shape.Should().Equal(2, 3, 10);
        outs["labels_per_step"].sum().backward();
        net.Oscillators!.Kernel.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
        x.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
        if (feedback)
            net.named_parameters().Where(p => p.name.StartsWith("feedback")).Should().HaveCount(3)
                .And.OnlyContain(p => p.parameter.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Ideal_phases_need_masks_and_follow_them()
    {
        TorchRuntime.EnsureLoaded();
        var net = SynchronyModels.KomplexNet().IdealPhases().Oscillators(k => k.Steps(2)).Build();
        var x = torch.rand(1, 1, 32, 32);
        var masks = torch.zeros(1, 2, 32, 32);
        masks[0, 0, 0..10, 0..10] = torch.tensor(1f);
        masks[0, 1, 20..30, 20..30] = torch.tensor(1f);
        var act = () => net.call(x);
        act.Should().Throw<InvalidOperationException>();
        var run = net.Run(x, masks);
        var p = run.Phases;
        var a = p[0, .., 0..10, 0..10];
        var c = p[0, .., 20..30, 20..30];
        (a - a[0, 0, 0]).abs().max().item<float>().Should().BeLessThan(1e-5f);
        var diff = SynchronyLoss.Wrap(a[0, 0, 0] - c[0, 0, 0]).abs().item<float>();
        diff.Should().BeApproximately((float)Math.PI, 1e-3f);
    }

    [Fact]
    public void Synchrony_loss_is_low_for_ideal_phases_and_high_for_one_phase()
    {
        TorchRuntime.EnsureLoaded();
        var masks = torch.zeros(4, 2, 16, 16);
        masks[.., 0, 0..8, ..] = torch.tensor(1f);
        masks[.., 1, 8..16, ..] = torch.tensor(1f);
        var amp = torch.ones(4, 3, 16, 16);
        var ideal = SynchronyLoss.IdealPhases(masks, 3);
        var same = torch.zeros(4, 3, 16, 16);
        var random = torch.rand(4, 3, 16, 16) * 6.28 - 3.14;
        var lIdeal = SynchronyLoss.Compute(ideal, amp, masks);
        var lSame = SynchronyLoss.Compute(same, amp, masks);
        var lRandom = SynchronyLoss.Compute(random, amp, masks);
        lIdeal.Loss.item<float>().Should().BeLessThan(1e-3f);
        lSame.Synch.item<float>().Should().BeLessThan(1e-3f);
        lSame.Desynch.item<float>().Should().BeApproximately(1f, 1e-3f);
        lRandom.Synch.item<float>().Should().BeGreaterThan(0.8f);
    }
}
