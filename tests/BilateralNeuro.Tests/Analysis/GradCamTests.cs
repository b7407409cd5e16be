using BilateralNeuro.Analysis;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Analysis;

public class GradCamTests
{
    private static Tensor Square(int row, int col)
    {
        var x = zeros(1, 1, 16, 16);
        x[.., .., row..(row + 4), col..(col + 4)] = ones(1, 1, 4, 4);
        return x;
    }

    private static (long Row, long Col) Peak(Tensor map)
    {
        long i = map.flatten().argmax().item<long>();
        return (i / map.shape[1], i % map.shape[1]);
    }

    [Fact]
    public void Map_has_image_size_lies_in_unit_range_and_follows_the_object()
    {
        TorchRuntime.EnsureLoaded();
        var conv = nn.Conv2d(1, 1, 3, padding: 1, bias: false);
        using (no_grad()) conv.weight!.fill_(1f / 9);
        var model = nn.Sequential(("conv", conv), ("relu", nn.ReLU()), ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten()));
        using var images = cat([Square(2, 2), Square(10, 9)], 0);
        var maps = GradCam.Compute(model, conv, images, o => o[.., 0]);
        maps.shape.Should().Equal(2, 16, 16);
        maps.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
        maps.max().item<float>().Should().BeApproximately(1, 1e-5f);
        var (r0, c0) = Peak(maps[0]);
        var (r1, c1) = Peak(maps[1]);
        r0.Should().BeInRange(1, 6); c0.Should().BeInRange(1, 6);
        r1.Should().BeInRange(9, 14); c1.Should().BeInRange(8, 13);
        maps[0][12, 11].item<float>().Should().BeLessThan(0.05f, "nothing is there in the first image");
        conv.weight!.grad.Should().BeNull("Grad-CAM clears the gradients it created");
    }

    [Fact]
    public void Works_per_hemisphere_and_for_the_whole_frozen_network_and_writes_overlays()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(4);
        using var net = BilateralNetwork.Create()
            .Left(h => h.ResNet9().Width(0.125).InputChannels(1)).Right(h => h.ResNet9().Width(0.125).InputChannels(1))
            .Heads(fine: 10, coarse: 4).Build().FreezeHemispheres();
        net.train();
        using var images = rand(2, 1, 28, 28);
        var left = GradCam.Compute(net, net.Left.LastConv()!, images, GradCam.ArgMax("fine"));
        var whole = GradCam.Compute(net, [net.Left.LastConv()!, net.Right.LastConv()!], images, GradCam.ArgMax("coarse"));
        left.shape.Should().Equal(2, 28, 28);
        whole.shape.Should().Equal(2, 28, 28);
        whole.max().item<float>().Should().BeApproximately(1, 1e-5f);
        net.Head.training.Should().BeTrue("the mode is restored");
        var other = nn.Conv2d(1, 1, 3);
        var notInModel = () => GradCam.Compute(net, other, images, GradCam.ArgMax("fine"));
        notInModel.Should().Throw<ArgumentException>().WithMessage("*did not run*");

        var dir = Path.Combine(Path.GetTempPath(), "gradcam-" + Guid.NewGuid().ToString("N")[..8]);
        var paths = GradCam.SaveOverlays(dir, "left", images.squeeze(1).unsqueeze(1), left);
        paths.Should().HaveCount(2);
        File.ReadAllBytes(paths[0]).Take(4).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 });
        Directory.Delete(dir, true);
    }
}
