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
