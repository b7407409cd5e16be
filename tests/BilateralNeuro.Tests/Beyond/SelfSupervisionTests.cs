using BilateralNeuro.Beyond.Training;
using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public class SelfSupervisionTests
{
    [Fact]
    public void Contrastive_loss_is_low_for_matching_views_and_high_for_shuffled_ones()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(7);
        using var a = torch.randn(16, 8);
        using var close = a + torch.randn(16, 8) * 0.05;
        using var shuffled = close[torch.randperm(16)];
        double matched = SelfSupervision.Contrastive(a, close, 0.5).item<float>();
        double wrong = SelfSupervision.Contrastive(a, shuffled, 0.5).item<float>();
        matched.Should().BeLessThan(wrong - 1);
        matched.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Views_keep_the_shape_and_differ_from_the_image()
    {
        TorchRuntime.EnsureLoaded();
        using var x = torch.rand(3, 1, 12, 12);
        var g = new torch.Generator(1);
        using var v1 = SelfSupervision.View(x, 0.15, 0.1, g);
        using var v2 = SelfSupervision.View(x, 0.15, 0.1, g);
        v1.shape.Should().Equal(3, 1, 12, 12);
        v1.allclose(v2).Should().BeFalse();
        using var same = SelfSupervision.View(x, 0, 0, g);
        same.allclose(x, atol: 1e-5).Should().BeTrue("zero shift and noise is the identity");
    }
}
