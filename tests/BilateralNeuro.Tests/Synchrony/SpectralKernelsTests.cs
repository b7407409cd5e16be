using BilateralNeuro.Synchrony;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Synchrony;

public class SpectralKernelsTests
{
    private static Tensor RandomComplex(params long[] shape)
    {
        BilateralNeuro.Core.TorchRuntime.EnsureLoaded();
        return torch.complex(torch.randn(shape), torch.randn(shape));
    }

    [Theory]
    [InlineData(5, 8, 8, 1600)]    // the benchmark's channels and spectrum size
    [InlineData(3, 3, 5, 1000)]    // F not a multiple of a block or a vector: scalar tails
    [InlineData(2, 17, 2, 7)]      // more than 16 input channels, tiny spectrum
    public void Mix_matches_the_broadcast_formulation(int b, int cIn, int cOut, int f)
    {
        BilateralNeuro.Core.TorchRuntime.EnsureLoaded();
        torch.manual_seed(1);
        using var scope = NewDisposeScope();
        var x = RandomComplex(b, cIn, f);
        var s = RandomComplex(cOut, cIn, f);
        var expected = (x.unsqueeze(1) * s.unsqueeze(0)).sum(2L);   // (B, C_out, F)
        foreach (int? threads in new int?[] { 1, null })
        {
            SpectralKernels.MaxThreads = threads;
            try
            {
                var y = SpectralKernels.Mix(x, new SpectralKernels.Prepared(s));
                y.shape.Should().Equal(b, cOut, f);
                (y - expected).abs().max().item<float>().Should().BeLessThan(1e-4f * (float)Math.Sqrt(cIn) * 4);
            }
            finally { SpectralKernels.MaxThreads = null; }
        }
    }

    [Theory]
    [InlineData(6, 8, 8, 1600)]
    [InlineData(3, 3, 5, 1001)]
    [InlineData(4, 2, 17, 9)]
    public void ConjProductSum_matches_the_broadcast_formulation(int b, int cOut, int cIn, int f)
    {
        BilateralNeuro.Core.TorchRuntime.EnsureLoaded();
        torch.manual_seed(2);
        using var scope = NewDisposeScope();
        var g = RandomComplex(b, cOut, f);
        var z = RandomComplex(b, cIn, f);
        var expected = (g.conj().unsqueeze(2) * z.unsqueeze(1)).sum(0L);   // (C_out, C_in, F); 0L: a literal 0 would bind to sum(ScalarType)
        foreach (int? threads in new int?[] { 1, null })
        {
            SpectralKernels.MaxThreads = threads;
            try
            {
                var p = SpectralKernels.ConjProductSum(g, z);
                p.shape.Should().Equal(cOut, cIn, f);
                (p - expected).abs().max().item<float>().Should().BeLessThan(1e-4f * b * 4);
            }
            finally { SpectralKernels.MaxThreads = null; }
        }
    }

    [Theory]
    [InlineData(2, 3, 32, 32, 40, 40, false)]   // the benchmark's map side: whole vectors
    [InlineData(3, 2, 7, 13, 12, 19, true)]     // widths with scalar tails, rotated (the backward's h)
    public void PadModulate_and_Demodulate_match_the_LibTorch_formulation(int b, int c, int h, int w, int lh, int lw, bool rotate)
    {
        BilateralNeuro.Core.TorchRuntime.EnsureLoaded();
        torch.manual_seed(2);
        using var scope = NewDisposeScope();
        var a = torch.rand(b, c, h, w);
        var theta = torch.rand(b, c, h, w) * 20 - 10;
        var (cos, sin) = (theta.cos(), theta.sin());
        var u = torch.complex(cos, sin);
        var z = rotate ? torch.complex(-sin * a * 0.5f, cos * a * 0.5f) : u * a * 0.5f;
        var expected = torch.nn.functional.pad(z, [0, lw - w, 0, lh - h]);
        var v = RandomComplex(b, c, lh, lw);
        const int pad = 3;
        var q = v.narrow(2, pad, h).narrow(3, pad, w) * u.conj();
        foreach (int? threads in new int?[] { 1, null })
        {
            SpectralKernels.MaxThreads = threads;
            try
            {
                var padded = SpectralKernels.PadModulate(a, cos, sin, lh, lw, 0.5f, rotate);
                padded.shape.Should().Equal(b, c, lh, lw);
                (padded - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
                var (re, im) = SpectralKernels.Demodulate(v, cos, sin, pad);
                (re - q.real).abs().max().item<float>().Should().BeLessThan(1e-5f);
                (im - q.imag).abs().max().item<float>().Should().BeLessThan(1e-5f);
            }
            finally { SpectralKernels.MaxThreads = null; }
        }
        var wrong = () => SpectralKernels.PadModulate(a, cos, sin.narrow(3, 0, w - 1), lh, lw, 1f, false);
        wrong.Should().Throw<ArgumentException>().WithMessage("*float32 CPU maps (B, C, H, W) of one shape*");
        var small = () => SpectralKernels.Demodulate(v.narrow(2, 0, h), cos, sin, pad);
        small.Should().Throw<ArgumentException>().WithMessage("*expected complex64*");
    }

    [Fact]
    public void Wrong_shapes_and_types_are_refused_with_a_message()
    {
        using var scope = NewDisposeScope();
        var prepared = new SpectralKernels.Prepared(RandomComplex(2, 3, 10));
        var act = () => SpectralKernels.Mix(RandomComplex(1, 4, 10), prepared);
        act.Should().Throw<ArgumentException>().WithMessage("*expected complex64 (B, 3, 10)*");
        var real = () => SpectralKernels.ConjProductSum(torch.randn(1, 2, 10), RandomComplex(1, 2, 10));
        real.Should().Throw<ArgumentException>().WithMessage("*expected complex64*");
    }
}
