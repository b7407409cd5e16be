using BilateralNeuro.Resources;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Resources;

public class LatticeNetworkTests
{
    internal static LatticeOptions Small(Connections c = Connections.BLT, TimeMode time = TimeMode.Halting, int layers = 3, int channels = 6, int steps = 4) => new()
    {
        InputChannels = 1, Classes = 3, MaxLayers = layers, MaxChannels = channels, MaxSteps = steps,
        Connections = c, Time = time, PoolEvery = 1,
    };

    [Theory]
    [InlineData(Connections.B, TimeMode.Halting)]
    [InlineData(Connections.BL, TimeMode.FixedMixing)]
    [InlineData(Connections.BT, TimeMode.Halting)]
    [InlineData(Connections.BLT, TimeMode.FixedMixing)]
    public void Outputs_have_per_step_logits_and_a_time_distribution_that_sums_to_one(Connections c, TimeMode time)
    {
        torch.manual_seed(1);
        using var net = new LatticeNetwork(Small(c, time));
        var x = torch.randn(5, 1, 12, 12);
        var o = net.call(x);
        o[LatticeOutputs.Label].shape.Should().Equal(5, 3);
        o[LatticeOutputs.StepLogits].shape.Should().Equal(5, 4, 3);
        o[LatticeOutputs.Time].shape.Should().Equal(5, 4);
        var sums = o[LatticeOutputs.Time].sum(1).data<float>().ToArray();
        sums.Should().AllSatisfy(s => s.Should().BeApproximately(1f, 1e-5f));
        // The label output is a log-probability vector: exp sums to one.
        o[LatticeOutputs.Label].exp().sum(1).data<float>().ToArray().Should().AllSatisfy(s => s.Should().BeApproximately(1f, 1e-4f));
        var p = o[LatticeOutputs.Time];
        var expected = (p * torch.tensor(new float[] { 1, 2, 3, 4 })).sum(1);
        torch.allclose(o[LatticeOutputs.ExpectedSteps], expected, 1e-6, 1e-6).Should().BeTrue();
    }

    [Fact]
    public void Multiply_accumulates_follow_the_window()
    {
        using var net = new LatticeNetwork(Small());
        // 12x12, 6x6, 3x3 layers of 6 channels, 3x3 kernels, BLT.
        long expected = 9 * (1 * 6 * 144 + 36 * 144 + 36 * 36 + 36 * 36 + 36 * 36 + 36 * 9 + 36 * 9 + 36 * 9);
        net.MultiplyAccumulatesPerStep(12, 12).Should().Be(expected);
        using var b = new LatticeNetwork(Small(Connections.B));
        b.MultiplyAccumulatesPerStep(12, 12).Should().Be(9 * (6 * 144 + 36 * 36 + 36 * 9));
    }

    [Fact]
    public void Connections_change_the_parameters()
    {
        using var b = new LatticeNetwork(Small(Connections.B));
        using var blt = new LatticeNetwork(Small(Connections.BLT));
        var bKeys = b.state_dict().Keys.ToList();
        var bltKeys = blt.state_dict().Keys.ToList();
        bKeys.Should().NotContain(k => k.Contains("lateral") || k.Contains("top_down"));
        bltKeys.Should().Contain("layers.0.lateral.weight").And.Contain("layers.0.top_down.weight").And.NotContain("layers.2.top_down.weight");
    }

    [Fact]
    public void Halting_distribution_matches_the_ponder_formula_and_sums_to_one()
    {
        var lambda = torch.tensor(new float[] { 0.5f, 0.5f, 0.2f, 0.0f, 1.0f, 0.3f }).reshape(2, 3);
        var p = LatticeNetwork.HaltingDistribution(lambda);
        p.shape.Should().Equal(2, 4);
        p[0].data<float>().ToArray().Should().Equal(new[] { 0.5f, 0.25f, 0.05f, 0.2f }, (a, b) => Math.Abs(a - b) < 1e-6);
        p[1].data<float>().ToArray().Should().Equal(new[] { 0f, 1f, 0f, 0f }, (a, b) => Math.Abs(a - b) < 1e-6);
        var e = LatticeNetwork.ExpectedSteps(p).data<float>().ToArray();
        e[0].Should().BeApproximately(0.5f * 1 + 0.25f * 2 + 0.05f * 3 + 0.2f * 4, 1e-5f);
        e[1].Should().BeApproximately(2f, 1e-6f);
    }

    [Fact]
    public void Initial_halting_distribution_is_uniform()
    {
        torch.manual_seed(2);
        using var net = new LatticeNetwork(Small());
        using (torch.no_grad()) net.Spec.Should().NotBeNull();
        var o = net.call(torch.zeros(2, 1, 12, 12));
        // With zero input the halting unit sees only batch-norm offsets, so the step biases dominate: close to 1/T.
        o[LatticeOutputs.Time].data<float>().ToArray().Should().AllSatisfy(v => v.Should().BeApproximately(0.25f, 0.08f));
    }

    [Fact]
    public void Invalid_options_are_all_listed()
    {
        var o = Small();
        o.MaxLayers = 0; o.MaxSteps = 0; o.Connections = Connections.Lateral; o.Cost.TimePressure = -1;
        var act = () => new LatticeNetwork(o);
        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().HaveCount(4)
            .And.Contain(f => f.Contains("MaxLayers")).And.Contain(f => f.Contains("BottomUp")).And.Contain(f => f.Contains("TimePressure"));
    }

    [Fact]
    public void Bad_input_names_the_module()
    {
        using var net = new LatticeNetwork(Small());
        var act = () => net.call(torch.randn(2, 3, 12, 12));
        act.Should().Throw<ArgumentException>().WithMessage("*LatticeNetwork*1 channels*");
    }

    [Fact]
    public void Gated_off_layer_contributes_nothing()
    {
        torch.manual_seed(3);
        using var net = new LatticeNetwork(Small(Connections.BLT, TimeMode.FixedMixing));
        net.eval();
        var x = torch.randn(3, 1, 12, 12);
        using (torch.no_grad()) net.RawDepthGate[2] = 0;
        var a = net.call(x)[LatticeOutputs.Label];
        // Changing the weights of the gated-off top layer must not change anything.
        using (torch.no_grad()) net.Layer(2).BottomUp!.weight!.normal_();
        using (torch.no_grad()) net.Layer(1).TopDown!.weight!.normal_();
        var b = net.call(x)[LatticeOutputs.Label];
        torch.allclose(a, b, 1e-6, 1e-6).Should().BeTrue();
    }
}
