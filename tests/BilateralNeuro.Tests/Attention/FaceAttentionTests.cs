using BilateralNeuro.Attention;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class FaceAttentionTests
{
    [Fact]
    public void Channel_and_spatial_gates_keep_shape_and_lie_in_unit_range()
    {
        torch.manual_seed(1);
        using var block = new FaceAttention(32, new FaceAttentionOptions { Reduction = 8, Spatial = true });
        var x = torch.randn(3, 32, 6, 6) * 5;
        using var y = block.call(x);
        y.shape.Should().Equal(3, 32, 6, 6);
        block.Hidden.Should().Be(4);
        var w = block.LastChannelWeights!;
        w.shape.Should().Equal(3, 32);
        w.min().item<float>().Should().BeGreaterThanOrEqualTo(0f);
        w.max().item<float>().Should().BeLessThanOrEqualTo(1f);
        var m = block.LastSpatialMap!;
        m.shape.Should().Equal(3, 6, 6);
        m.min().item<float>().Should().BeGreaterThanOrEqualTo(0f);
        m.max().item<float>().Should().BeLessThanOrEqualTo(1f);
        // the output is the input gated channel- and pixel-wise, so |y| <= |x| everywhere
        (y.abs() <= x.abs() + 1e-6f).all().item<bool>().Should().BeTrue();
        // reproduce the gates by hand
        var expected = x * w.reshape(3, 32, 1, 1) * m.unsqueeze(1);
        y.allclose(expected, 1e-4, 1e-5).Should().BeTrue();
    }

    [Fact]
    public void Vector_input_gets_only_the_channel_gate()
    {
        using var block = new FaceAttention(64, new FaceAttentionOptions { Spatial = true });
        using var y = block.call(torch.ones(2, 64));
        y.shape.Should().Equal(2, 64);
        block.LastSpatialMap.Should().BeNull();
        y.allclose(block.LastChannelWeights!).Should().BeTrue();
    }

    [Fact]
    public void Wrong_channel_count_names_the_module()
    {
        using var block = new FaceAttention(16);
        var act = () => block.call(torch.randn(1, 8, 4, 4));
        act.Should().Throw<ArgumentException>().WithMessage("*FaceAttention*16 channels*");
    }

    [Theory]
    [InlineData("before-fc6", 32)]    // AlexNet width 0.125: pool5 has 32 channels
    [InlineData("on-fc6", 512)]       // fc6 has 4096 * 0.125 units
    [InlineData("after-conv3", 48)]   // conv3 has 384 * 0.125 channels
    [InlineData("after-conv1", 8)]
    public void Insertion_points_gate_the_expected_layer(string point, int channels)
    {
        torch.manual_seed(2);
        var builder = TransferModels.AlexNet().Width(0.125).Classes(2).WithFaceAttention(a =>
        {
            a.Reduction(4);
            if (point == "before-fc6") a.Before("fc6");
            else if (point == "on-fc6") a.On("fc6");
            else a.After(point["after-".Length..]);
        });
        using var model = builder.Build();
        model.eval();
        var x = torch.randn(2, 3, 64, 64);
        var y = model.call(x)["valence"];
        y.shape.Should().Equal(2, 2);
        model.FaceAttention!.LastChannelWeights!.shape.Should().Equal(2, channels);
        model.state_dict().Keys.Should().Contain(["attention.fc1.weight", "features.0.weight", "classifier.6.weight"]);
        // the cached split reproduces the full forward
        using var z = model.ForwardTrainable(model.ForwardFrozen(x));
        z.allclose(y, 1e-5, 1e-6).Should().BeTrue();
        model.CacheBoundary.Should().Be(point.StartsWith("after") ? (point == "after-conv3" ? "features.7" : "features.2") : "avgpool");
    }

    [Fact]
    public void FeAlexNet_puts_r16_attention_before_fc6_and_freezes_features_sticky()
    {
        using var model = TransferModels.FeAlexNet().Width(0.25).Classes(2).Build();
        model.FaceAttention.Should().NotBeNull();
        model.Insertion.Should().Be(InsertionKind.BeforeFc6);
        model.FaceAttention!.Options.Reduction.Should().Be(16);
        model.FaceAttention.Channels.Should().Be(64);
        model.train();
        model.Features.training.Should().BeFalse();
        model.Classifier.training.Should().BeTrue();
        model.Features.parameters().Should().OnlyContain(p => !p.requires_grad);
        model.Classifier.parameters().Should().OnlyContain(p => p.requires_grad);
        model.FaceAttention.parameters().Should().OnlyContain(p => p.requires_grad);
    }

    [Fact]
    public void Vgg_features_unfrozen_when_asked_and_batch_norm_frozen_when_frozen()
    {
        using var frozen = TransferModels.Vgg11().Width(0.125).WithBatchNorm().Build();
        frozen.train();
        frozen.Features.modules().OfType<TorchSharp.Modules.BatchNorm2d>().Should().OnlyContain(b => !b.training);
        using var open = TransferModels.Vgg11().Width(0.125).FreezeFeatures(false).Build();
        open.train();
        open.Features.training.Should().BeTrue();
        open.Features.parameters().Should().OnlyContain(p => p.requires_grad);
    }

    [Fact]
    public void Builder_lists_every_problem()
    {
        var act = () => TransferModels.Vgg16().Width(-1).Classes(0).WithFaceAttention(a => a.Reduction(0).After("conv3")).Build();
        var ex = act.Should().Throw<OptionsValidationException>().Which;
        ex.Failures.Should().HaveCount(4);
        ex.Message.Should().Contain("Width").And.Contain("Classes").And.Contain("Reduction").And.Contain("conv3");
    }
}
