using BilateralNeuro.Core;
using BilateralNeuro.Synchrony;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Synchrony;

public class ComplexLayerTests
{
    [Fact]
    public void ApplyReal_equals_the_complex_formula()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(0);
        var w = torch.randn(3, 5);
        var z = new ComplexActivation(torch.rand(4, 5), torch.rand(4, 5) * 6 - 3);
        var y = ComplexOps.ApplyReal(x => x.matmul(w.t()), z);
        var zc = z.ToComplex();
        var psi = torch.complex(zc.real.matmul(w.t()), zc.imag.matmul(w.t()));
        var expectedM = 0.5 * psi.abs() + 0.5 * z.Magnitude.matmul(w.t());
        (y.Magnitude - expectedM).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (y.Phase - psi.angle()).abs().max().item<float>().Should().BeLessThan(1e-4f);
    }

    [Fact]
    public void StableAngle_has_finite_gradients_at_zero()
    {
        TorchRuntime.EnsureLoaded();
        var re = torch.zeros(3).requires_grad_(true);
        var im = torch.zeros(3).requires_grad_(true);
        (ComplexOps.StableAngle(re, im) + ComplexOps.SafeAbs(re, im)).sum().backward();
        re.grad!.isfinite().all().item<bool>().Should().BeTrue();
        im.grad!.isfinite().all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Conv_and_linear_layers_give_nonnegative_magnitudes_of_the_right_shape()
    {
        TorchRuntime.EnsureLoaded();
        var conv = new ComplexConv2d(8, 8, 3, stride: 2);
        var z = new ComplexActivation(torch.rand(2, 8, 32, 32), torch.rand(2, 8, 32, 32) * 6 - 3);
        var y = conv.call(z);
        y.Shape.Should().Equal(2, 8, 16, 16);
        y.Magnitude.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
        var lin = new ComplexLinear(2048, 50);
        var h = lin.call(y.Flatten());
        h.Shape.Should().Equal(2, 50);
        var r = new MagnitudeReadout(50, 10).call(h);
        r.Logits.max(1).values.Should().Match<Tensor>(t => t.gt(0).all().item<bool>()); // max - max/3 > 0
        var bad = () => conv.call(new ComplexActivation(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)));
        bad.Should().Throw<ArgumentException>().WithMessage("*ComplexConv2d*8 channels*");
    }
}
