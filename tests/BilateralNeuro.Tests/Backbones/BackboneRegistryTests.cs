using BilateralNeuro.Attention;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Backbones;

public class BackboneRegistryTests
{
    [Theory]
    [InlineData("resnet9", BackboneKind.ResNet9)]
    [InlineData("ResNet-18", BackboneKind.ResNet18)]
    [InlineData("resnet_34", BackboneKind.ResNet34)]
    [InlineData("VGG16", BackboneKind.Vgg16)]
    [InlineData("vgg-11", BackboneKind.Vgg11)]
    [InlineData("AlexNet", BackboneKind.AlexNet)]
    [InlineData("wide-shallow", BackboneKind.WideShallow)]
    [InlineData(" lattice ", BackboneKind.Lattice)]
    public void Parse_accepts_cli_spellings(string token, BackboneKind expected) =>
        BackboneRegistry.Parse(token).Should().Be(expected);

    [Fact]
    public void Every_kind_round_trips_through_its_name_and_unknown_tokens_list_the_names()
    {
        foreach (var kind in Enum.GetValues<BackboneKind>())
        {
            BackboneRegistry.Parse(kind.ToString()).Should().Be(kind);
            BackboneRegistry.Parse(BackboneRegistry.DisplayName(kind)).Should().Be(kind);
        }
        BackboneRegistry.Names.Should().HaveCount(Enum.GetValues<BackboneKind>().Length).And.OnlyHaveUniqueItems();
        BackboneRegistry.TryParse("resnet50", out _).Should().BeFalse();
        BackboneRegistry.TryParse(null, out _).Should().BeFalse();
        var act = () => BackboneRegistry.Parse("resnet50");
        act.Should().Throw<ArgumentException>().WithMessage("Unknown backbone 'resnet50'; expected one of: resnet9, resnet18, resnet34, vgg11*");
    }

    [Fact]
    public void Every_feature_extractor_kind_builds_a_FeatureExtractor_whose_output_has_FeatureSize()
    {
        TorchRuntime.EnsureLoaded();
        foreach (var kind in BackboneRegistry.FeatureExtractors)
        {
            using var net = BackboneRegistry.CreateFeatureExtractor(kind, inputChannels: 1, width: 0.0625);
            net.eval();
            using var y = net.call(torch.randn(2, 1, 32, 32));
            y.shape.Should().Equal([2L, net.FeatureSize], kind.ToString());
            net.InputChannels.Should().Be(1);
        }
        var bad = () => BackboneRegistry.CreateFeatureExtractor(BackboneKind.AlexNet);
        bad.Should().Throw<ArgumentException>().WithMessage("AlexNet is not a feature-extractor backbone*");
    }

    [Fact]
    public void Torchvision_classifiers_are_feature_extractors_whose_vector_is_the_logits()
    {
        TorchRuntime.EnsureLoaded();
        using FeatureExtractor alex = new AlexNet(7, width: 0.125);
        using FeatureExtractor vgg = new Vgg(11, classes: 5, width: 0.125);
        alex.FeatureSize.Should().Be(7);
        vgg.FeatureSize.Should().Be(5);
        using var hemisphere = Hemisphere.From(vgg);
        hemisphere.FeatureSize.Should().Be(5);
    }

    [Fact]
    public void Every_backbone_scales_widths_with_the_one_helper()
    {
        TorchRuntime.EnsureLoaded();
        const double w = 0.3; // 64 -> 19.2 -> 19, 192 -> 57.6 -> 58, 512 -> 153.6 -> 154
        ChannelWidth.Scale(64, w).Should().Be(19);
        ChannelWidth.Scale(1, 0.01).Should().Be(1);
        using var r9 = new ResNet9(3, w);
        using var r18 = ResNetCifar.ResNet18(3, w);
        using var vgg = Vgg.CreateFeatureExtractor(11, 3, w);
        using var alex = new AlexNet(2, w);
        r9.FeatureSize.Should().Be(ChannelWidth.Scale(512, w));
        r18.FeatureSize.Should().Be(ChannelWidth.Scale(512, w));
        vgg.FeatureSize.Should().Be(ChannelWidth.Scale(512, w));
        alex.FeatureChannels.Should().Be(ChannelWidth.Scale(256, w));
        alex.HiddenFeatures.Should().Be(ChannelWidth.Scale(4096, w));
        var tooWide = () => new ResNet9(3, 17);
        tooWide.Should().Throw<ArgumentOutOfRangeException>().WithMessage("ResNet9: width multiplier must lie in (0, 16]*");
    }

    [Fact]
    public void Hemispheres_and_transfer_models_reject_architectures_they_cannot_build()
    {
        var hemisphere = () => new HemisphereBuilder().Kind(BackboneKind.AlexNet).Build();
        hemisphere.Should().Throw<OptionsValidationException>().WithMessage("*Backbone AlexNet cannot be a hemisphere*ResNet9*Backbone(module, featureSize)*");
        var transfer = () => TransferModels.Create(BackboneKind.ResNet9).Build();
        transfer.Should().Throw<OptionsValidationException>().WithMessage("*ResNet9 is not a transfer-model architecture*AlexNet*");
    }

    [Fact]
    public void Face_attention_model_names_come_from_the_registry()
    {
        BilateralNeuro.Experiments.FaceAttentionExperimentOptionsValidator.KnownModels.Should().Equal("AlexNet", "VGG11", "VGG13", "VGG16", "FE-AlexNet", "Ungated-AlexNet");
        foreach (var m in BilateralNeuro.Experiments.FaceAttentionExperimentOptionsValidator.KnownModels.Where(m => m is not ("FE-AlexNet" or "Ungated-AlexNet")))
            BackboneRegistry.TorchvisionClassifiers.Should().Contain(BackboneRegistry.Parse(m));
    }

    [Fact]
    public void Transfer_models_are_created_from_a_parsed_kind()
    {
        TorchRuntime.EnsureLoaded();
        using var model = TransferModels.Create(BackboneRegistry.Parse("vgg13")).Width(0.0625).Classes(2).Build();
        model.Backbone.Kind.Should().Be(BackboneKind.Vgg13);
        model.Backbone.Architecture.Should().Be("VGG13");
    }
}
