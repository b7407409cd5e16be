using BilateralNeuro.Attention;
using BilateralNeuro.Backbones;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using FaceModels = BilateralNeuro.Attention.TransferModels;

namespace BilateralNeuro.Tests.Attention;

public class StandInTransferTests
{
    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void Stand_in_SE_and_ungated_control_have_equal_parameter_counts_at_the_same_place()
    {
        torch.manual_seed(3);
        using var se = FaceModels.SeAlexNet().Width(0.125).Build();
        torch.manual_seed(3);
        using var ungated = FaceModels.UngatedAlexNet().Width(0.125).Build();
        se.FaceAttention!.Hidden.Should().Be(16);             // 32 channels at width 1/8, reduction 2 (se_model.py)
        se.FaceAttention.Options.Bias.Should().BeFalse();
        Count(se.FaceAttention).Should().Be(2 * 32 * 16);     // two bias-free linears
        Count(ungated.FaceAttention!).Should().Be(Count(se.FaceAttention));
        Count(ungated).Should().Be(Count(se));
        se.Insertion.Should().Be(InsertionKind.BeforeFc6);
        ungated.Insertion.Should().Be(InsertionKind.BeforeFc6);
        // the same state_dict keys: torchvision's for AlexNet plus attention.fc1/fc2 (no biases)
        se.state_dict().Keys.Should().BeEquivalentTo(ungated.state_dict().Keys);
        se.state_dict().Keys.Should().Contain(["features.0.weight", "features.10.bias", "classifier.1.weight", "classifier.4.weight",
            "classifier.6.weight", "attention.fc1.weight", "attention.fc2.weight"]);
        se.state_dict().Keys.Should().NotContain("attention.fc1.bias");
    }

    [Fact]
    public void Ungated_control_shifts_channels_by_the_same_layers_and_the_gate_rescales_them()
    {
        torch.manual_seed(4);
        using var gate = new FaceAttention(8, FaceAttentionOptions.StandIn());
        using var control = new FaceAttention(8, FaceAttentionOptions.UngatedControl());
        control.load_state_dict(gate.state_dict());
        var x = torch.randn(2, 8, 3, 3);
        using var y = control.call(x);
        using var g = gate.call(x);
        // by hand: e = W2 relu(W1 mean(x)); control adds e, the gate multiplies by sigmoid(e)
        var sd = gate.state_dict();
        var e = nn.functional.relu(x.mean([2, 3]).matmul(sd["fc1.weight"].t())).matmul(sd["fc2.weight"].t());
        y.allclose(x + e.reshape(2, 8, 1, 1), 1e-5, 1e-6).Should().BeTrue();
        g.allclose(x * nn.functional.sigmoid(e).reshape(2, 8, 1, 1), 1e-5, 1e-6).Should().BeTrue();
        // the control cannot silence a channel: its output minus its input is constant over space
        (y - x).std([2, 3]).max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void Conv_only_transfer_carries_conv_weights_and_reinitialises_fc6_and_fc7()
    {
        torch.manual_seed(5);
        var pretrained = new AlexNet(10, 0.125);
        using (no_grad())
            foreach (var p in pretrained.Classifier.parameters()) p.fill_(0.5f);   // a recognisable "pretrained" head
        var reference = pretrained.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var copy = new AlexNet(10, 0.125);
        copy.load_state_dict(reference);

        using var convOnly = FaceModels.AlexNet().FromBackbone(pretrained).CarryOver(TransferredLayers.ConvOnly).Classes(2).Build();
        using var inherited = FaceModels.AlexNet().FromBackbone(copy).Classes(2).Build();
        var a = convOnly.state_dict();
        var b = inherited.state_dict();
        foreach (var key in reference.Keys.Where(k => k.StartsWith("features.")))
        {
            Same(a[key], reference[key]).Should().BeTrue($"{key} is a conv weight and must be carried");
            Same(b[key], reference[key]).Should().BeTrue();
        }
        foreach (var key in new[] { "classifier.1.weight", "classifier.1.bias", "classifier.4.weight", "classifier.4.bias" })
        {
            Same(b[key], reference[key]).Should().BeTrue($"the default transfer inherits {key}");
            a[key].shape.Should().Equal(reference[key].shape);
            a[key].eq(0.5f).all().item<bool>().Should().BeFalse($"conv-only transfer must re-initialise {key}");
        }
        a["classifier.6.weight"].shape.Should().Equal(2, 512);
        convOnly.Transferred.Should().Be(TransferredLayers.ConvOnly);
        // conv frozen, classifier trainable
        convOnly.Features.parameters().All(p => !p.requires_grad).Should().BeTrue();
        convOnly.Classifier.parameters().All(p => p.requires_grad).Should().BeTrue();
        convOnly.eval();
        convOnly.call(torch.randn(2, 3, 64, 64))["valence"].shape.Should().Equal(2, 2);
    }

    [Fact]
    public void SeAlexNet_can_be_adjusted_without_losing_the_stand_in_settings()
    {
        using var model = FaceModels.SeAlexNet().Width(0.125).WithFaceAttention(a => a.Reduction(4)).Build();
        model.FaceAttention!.Hidden.Should().Be(8);
        model.FaceAttention.Options.Bias.Should().BeFalse();
        model.Transferred.Should().Be(TransferredLayers.ConvOnly);
    }

    [Fact]
    public void Ungated_control_refuses_a_spatial_map()
    {
        var act = () => new FaceAttention(8, new FaceAttentionOptions { Mode = AttentionMode.ResidualMlp, Spatial = true });
        act.Should().Throw<OptionsValidationException>().WithMessage("*ResidualMlp*spatial*");
    }
}
