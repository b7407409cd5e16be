using BilateralNeuro.Beyond;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public class CallosalLinkTests
{
    public static TheoryData<CallosalMode> Modes => new() { CallosalMode.Add, CallosalMode.ConcatProject, CallosalMode.Gated, CallosalMode.Attention };

    private static double EarlyLeftGradient(AsymmetricBilateralNetwork net, torch.Tensor x)
    {
        net.zero_grad();
        var y = net.call(x);
        // A loss of the right hemisphere alone: its features through a fixed linear readout (the bilateral head
        // reads both hemispheres, so its loss would reach the left hemisphere without any link).
        var readout = torch.linspace(-1, 1, y[BilateralNetwork.RightFeatures].shape[1]);
        var loss = (y[BilateralNetwork.RightFeatures] * readout).sum().square();
        loss.backward();
        var first = net.Left.named_parameters().First(p => p.name == "backbone.stem.0.weight").parameter;
        return first.grad is null ? 0 : first.grad.abs().sum().item<float>();
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Right_loss_reaches_the_left_hemispheres_first_layer_only_through_an_enabled_link(CallosalMode mode)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(4);
        using var net = AsymmetricNetworkTests.NarrowDeepWideShallow(b => b.LinkLeftToRight(1, 0, mode));
        net.train();
        using var x = torch.randn(4, 1, 12, 12);
        EarlyLeftGradient(net, x).Should().BeGreaterThan(0, "the link carries the right loss into the left hemisphere");
        net.Links[0].Enabled = false;
        EarlyLeftGradient(net, x).Should().Be(0, "a disabled link is the identity");
        net.SetLinks(true);
        EarlyLeftGradient(net, x).Should().BeGreaterThan(0);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_link_keeps_the_target_shape_and_changes_it_only_when_enabled(CallosalMode mode)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(5);
        using var link = new CallosalLink(new(CallosalDirection.LeftToRight, 0, 0, mode), sourceChannels: 6, targetChannels: 10);
        using var target = torch.randn(2, 10, 4, 4);
        using var source = torch.randn(2, 6, 8, 8);   // resized to 4x4
        using var y = link.call(target, source);
        y.shape.Should().Equal(2, 10, 4, 4);
        y.allclose(target).Should().BeFalse();
        link.Enabled = false;
        using var off = link.call(target, source);
        off.Equals(target).Should().BeTrue("disabled returns the target itself");
        var bad = () => link.call(target, torch.randn(2, 5, 4, 4));
        bad.Should().Throw<ArgumentException>().WithMessage("*CallosalLink*");
    }

    [Fact]
    public void Links_in_both_directions_without_a_cycle_run_in_stage_order()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(6);
        // Left stage 0 feeds right stage 0; right stage 1 feeds left stage 2: the schedule must interleave.
        using var net = AsymmetricNetworkTests.NarrowDeepWideShallow(b => b.LinkLeftToRight(0, 0, CallosalMode.Add).LinkRightToLeft(1, 2, CallosalMode.ConcatProject));
        net.eval();
        using var x = torch.randn(2, 1, 12, 12);
        var y = net.call(x);
        y["fine"].shape.Should().Equal(2, 6);
        net.LinkParameterCount.Should().BeGreaterThan(0);
        // Turning the right-to-left link off changes the left features (it was used).
        var before = y[BilateralNetwork.LeftFeatures].clone();
        net.Links[1].Enabled = false;
        net.call(x)[BilateralNetwork.LeftFeatures].allclose(before).Should().BeFalse();
    }
}
