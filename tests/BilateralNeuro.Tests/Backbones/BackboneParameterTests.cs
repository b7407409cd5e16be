using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Backbones;

public class BackboneParameterTests
{
    // Parameters of conv3x3 without bias followed by batch norm (weight + bias).
    private static long ConvBn(long cin, long cout, long k = 3) => cin * cout * k * k + 2 * cout;

    private static long Count(torch.nn.Module m) => m.parameters().Sum(p => p.numel());

    public static long ExpectedResNet9(long cin, long c1, long c2, long c3, long c4) =>
        ConvBn(cin, c1) + ConvBn(c1, c2) + 2 * ConvBn(c2, c2) + ConvBn(c2, c3) + ConvBn(c3, c4) + 2 * ConvBn(c4, c4);

    private static long ExpectedResNet(int[] blocks, long cin, double width)
    {
        long Scale(int c) => Math.Max(1, (long)Math.Round(c * width));
        long c0 = Scale(64), total = ConvBn(cin, c0), prev = c0;
        for (int s = 0; s < 4; s++)
        {
            long c = Scale(64 << s);
            for (int b = 0; b < blocks[s]; b++)
            {
                total += ConvBn(prev, c) + ConvBn(c, c);
                if (prev != c) total += ConvBn(prev, c, 1);
                prev = c;
            }
        }
        return total;
    }

    [Fact]
    public void ResNet9_width_1_has_the_architecture_count_of_6_57_million()
    {
        TorchRuntime.EnsureLoaded();
        using var net = new ResNet9(3, 1.0);
        long expected = ExpectedResNet9(3, 64, 128, 256, 512);
        Count(net).Should().Be(expected);
        expected.Should().Be(6_568_000);
        ((double)expected).Should().BeApproximately(6.57e6, 0.01e6);
    }

    [Fact]
    public void ResNet18_and_34_match_the_basic_block_arithmetic()
    {
        TorchRuntime.EnsureLoaded();
        using var r18 = ResNetCifar.ResNet18(3, 1.0);
        using var r34 = ResNetCifar.ResNet34(1, 0.25);
        Count(r18).Should().Be(ExpectedResNet([2, 2, 2, 2], 3, 1.0));
        Count(r18).Should().BeInRange(11_160_000, 11_180_000); // the well-known 11.17 M without the FC layer
        Count(r34).Should().Be(ExpectedResNet([3, 4, 6, 3], 1, 0.25));
        r34.FeatureSize.Should().Be(128);
    }

    [Fact]
    public void Backbones_map_28_and_32_pixel_images_to_their_feature_size()
    {
        TorchRuntime.EnsureLoaded();
        using var vgg = Vgg.CreateFeatureExtractor(11, inputChannels: 1, width: 0.25);
        using var r18 = ResNetCifar.ResNet18(3, 0.125);
        using var x28 = torch.randn(2, 1, 28, 28);
        using var x32 = torch.randn(2, 3, 32, 32);
        vgg.eval(); r18.eval();
        using var f1 = vgg.call(x28);
        using var f2 = r18.call(x32);
        f1.shape.Should().Equal(2, 128);
        f2.shape.Should().Equal(2, 64);
        var bad = () => vgg.call(x32);
        bad.Should().Throw<ArgumentException>().WithMessage("*VGG11*1 channels*");
    }
}
