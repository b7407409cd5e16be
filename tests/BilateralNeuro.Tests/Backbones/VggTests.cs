using BilateralNeuro.Attention;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Backbones;

public class VggTests
{
    private static long ConvBn(long cin, long cout) => cin * cout * 9 + 2 * cout;

    [Fact]
    public void Vgg11_feature_extractor_has_torchvision_bn_trunk_keys_without_biases_or_classifier()
    {
        TorchRuntime.EnsureLoaded();
        using var net = Vgg.CreateFeatureExtractor(11, inputChannels: 1, width: 0.125);
        var keys = net.state_dict().Keys.ToList();
        // torchvision vgg11_bn: convs at 0, 4, 8, 11, 15, 18, 22, 25 with BN at conv + 1; the fifth max-pool (28) is dropped.
        int[] convs = [0, 4, 8, 11, 15, 18, 22, 25];
        var expected = convs.SelectMany(i => new[] { $"features.{i}.weight", $"features.{i + 1}.weight", $"features.{i + 1}.bias",
            $"features.{i + 1}.running_mean", $"features.{i + 1}.running_var", $"features.{i + 1}.num_batches_tracked" }).ToList();
        keys.Should().BeEquivalentTo(expected); // TorchSharp lists parameters before buffers
        keys.Should().HaveCount(expected.Count);
        net.Features.Count.Should().Be(28);
        net.IsFeatureExtractor.Should().BeTrue();
        net.FeatureSize.Should().Be(64);
        net.Invoking(n => n.Classifier).Should().Throw<InvalidOperationException>().WithMessage("*feature extractor has no classifier*");
    }

    [Fact]
    public void Vgg11_hemisphere_at_width_1_has_the_bilateral_codes_9_22_million_parameters()
    {
        TorchRuntime.EnsureLoaded();
        using var h = Hemisphere.Vgg11().Width(1).InputChannels(3).Build();
        long expected = ConvBn(3, 64) + ConvBn(64, 128) + ConvBn(128, 256) + ConvBn(256, 256) + ConvBn(256, 512) + 3 * ConvBn(512, 512);
        h.ParameterCount.Should().Be(expected);
        ((double)expected).Should().BeApproximately(9.22e6, 0.005e6);
        h.FeatureSize.Should().Be(512);
        h.Kind.Should().Be(BackboneKind.Vgg11);
        h.Backbone.Should().BeOfType<Vgg>().Which.IsFeatureExtractor.Should().BeTrue();
    }

    [Fact]
    public void Bilateral_network_with_vgg11_hemispheres_maps_28_pixel_images()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(3);
        using var net = BilateralNetwork.Create()
            .Left(h => h.Vgg11().Width(0.125).InputChannels(1).Specialize(LabelLevel.Fine))
            .Right(h => h.ResNet9().Width(0.125).InputChannels(1).Specialize(LabelLevel.Coarse))
            .Heads(fine: 10, coarse: 4).Build();
        net.eval();
        using var x = torch.randn(2, 1, 28, 28);
        var y = net.call(x);
        y["fine"].shape.Should().Equal(2, 10);
        y[BilateralNetwork.LeftFeatures].shape.Should().Equal(2, 64);
        net.state_dict().Keys.Should().Contain(["left.backbone.features.0.weight", "left.backbone.features.26.running_var"]);
        net.state_dict().Keys.Should().NotContain("left.backbone.features.0.bias");
    }

    [Theory]
    [InlineData(13, 10)]
    [InlineData(16, 13)]
    public void Deeper_vgg_feature_extractors_keep_torchvision_indices(int depth, int convCount)
    {
        TorchRuntime.EnsureLoaded();
        using var net = Vgg.CreateFeatureExtractor(depth, width: 0.0625);
        net.modules().OfType<TorchSharp.Modules.Conv2d>().Count().Should().Be(convCount);
        // The classifier and the feature extractor share the trunk's indices up to the last conv block.
        using var full = new Vgg(depth, classes: 3, width: 0.0625, batchNorm: true);
        var trunk = net.state_dict().Keys.Where(k => k.EndsWith(".weight")).ToList();
        var fullTrunk = full.state_dict().Keys.Where(k => k.StartsWith("features.") && k.EndsWith(".weight")).ToList();
        trunk.Should().Equal(fullTrunk);
        using var y = net.call(torch.randn(2, 3, 16, 16));
        y.shape.Should().Equal(2, net.FeatureSize);
    }

    [Fact]
    public void A_vgg_feature_extractor_cannot_be_a_transfer_backbone()
    {
        TorchRuntime.EnsureLoaded();
        using var trunk = Vgg.CreateFeatureExtractor(11, width: 0.125);
        var act = () => TransferModels.Vgg11().FromBackbone(trunk).Build();
        act.Should().Throw<OptionsValidationException>().WithMessage("*feature extractor*new Vgg(depth, classes)*");
    }
}
