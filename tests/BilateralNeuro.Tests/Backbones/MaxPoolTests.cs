using BilateralNeuro.Backbones;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Tests.Backbones;

/// <summary><see cref="MaxPool"/> against LibTorch's max_pool2d: the same outputs and input gradients, bit for bit.</summary>
public sealed class MaxPoolTests
{
    private static bool Bits(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.contiguous().bytes.SequenceEqual(b.contiguous().bytes);

    public static TheoryData<int, int, long[], string> Cases => new()
    {
        { 2, 2, [2, 3, 64, 64], "random" },
        { 2, 2, [3, 5, 17, 33], "random" },      // odd sides: a row remainder and a dropped last column/row
        { 2, 2, [2, 4, 32, 40], "ties" },        // few distinct values: the first maximum in scan order must win
        { 2, 2, [1, 2, 16, 48], "special" },     // NaN and −∞
        { 3, 2, [2, 4, 15, 15], "random" },      // AlexNet's overlapping windows
        { 3, 2, [2, 4, 23, 23], "ties" },
        { 3, 2, [1, 3, 13, 13], "special" },
        { 2, 1, [2, 2, 9, 10], "ties" },         // other strides take the general path
    };

    private static Tensor Input(long[] shape, string kind, int seed)
    {
        torch.manual_seed(seed);
        var x = kind == "ties" ? torch.randint(0, 4, shape).to(ScalarType.Float32) : torch.randn(shape);
        if (kind == "special")
        {
            x = torch.where(torch.rand(shape) < 0.05, torch.full(shape, float.NaN), x);
            x = torch.where(torch.rand(shape) < 0.1, torch.full(shape, float.NegativeInfinity), x);
        }
        return x;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Outputs_and_gradients_equal_LibTorchs_max_pool2d(int kernel, int stride, long[] shape, string kind)
    {
        using var pool = new MaxPool(kernel, stride);
        var x = Input(shape, kind, seed: 5);
        var expected = F.max_pool2d(x, [kernel, kernel], [stride, stride]);
        using (torch.no_grad())
            Bits(pool.forward(x), expected).Should().BeTrue("the no-grad forward (no indices)");

        var a = x.detach().clone().requires_grad_(true);
        var b = x.detach().clone().requires_grad_(true);
        var ya = pool.forward(a);
        var yb = F.max_pool2d(b, [kernel, kernel], [stride, stride]);
        Bits(ya, yb).Should().BeTrue("the forward with indices");
        torch.manual_seed(9);
        var g = kind == "ties" ? torch.randint(-3, 4, yb.shape).to(ScalarType.Float32) * 0.1f : torch.randn(yb.shape);
        ya.backward([g]);
        yb.backward([g]);
        Bits(a.grad!, b.grad!).Should().BeTrue("gradients land on the same argmax and sum in the same order");
    }

    [Fact]
    public void Backbones_pool_through_it_and_fall_back_where_it_does_not_apply()
    {
        using var alex = new AlexNet(classes: 10, width: 1.0 / 16);
        alex.named_modules().Count(m => m.module is MaxPool).Should().Be(3);
        using var pool = new MaxPool(2);
        var doubles = torch.randn(1, 2, 6, 6, dtype: ScalarType.Float64);
        Bits(pool.forward(doubles), F.max_pool2d(doubles, [2, 2], [2, 2])).Should().BeTrue("float64 uses LibTorch");
        var nonContiguous = torch.randn(1, 6, 6, 2).permute(0, 3, 1, 2);
        Bits(pool.forward(nonContiguous), F.max_pool2d(nonContiguous, [2, 2], [2, 2])).Should().BeTrue("channels-last layouts use LibTorch");
        FluentActions.Invoking(() => new MaxPool(0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*kernel must be at least 1*");
    }
}
