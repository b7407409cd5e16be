using BilateralNeuro.Resources;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Resources;

public class CompactionTests
{
    private static LatticeNetwork Prepared(TimeMode time, bool batchNorm = true)
    {
        torch.manual_seed(7);
        var o = LatticeNetworkTests.Small(Connections.BLT, time, layers: 4, channels: 6, steps: 4);
        o.BatchNorm = batchNorm;
        var net = new LatticeNetwork(o);
        // Non-trivial batch-norm statistics and gates: a few training-mode passes, then random gates with zeros.
        using (torch.no_grad())
        {
            net.train();
            for (int i = 0; i < 3; i++) net.call(torch.randn(8, 1, 12, 12) * 2 + 0.5);
            net.eval();
            for (int l = 0; l < 4; l++) net.Layer(l).Gate.uniform_(0.2, 1.5);
            net.Layer(0).Gate[1] = 0; net.Layer(0).Gate[4] = -0.3;
            net.Layer(1).Gate[0] = 0; net.Layer(1).Gate[2] = 0; net.Layer(1).Gate[5] = 0.0005;
            net.Layer(3).Gate[3] = 0;
            net.RawDepthGate[2] = 0; // a middle layer: layer 3 becomes an orphan without bottom-up input
            net.RawDepthGate[1] = 0.7;
        }
        return net;
    }

    [Theory]
    [InlineData(TimeMode.Halting, true)]
    [InlineData(TimeMode.FixedMixing, false)]
    public void Compacted_network_matches_the_gated_one(TimeMode time, bool batchNorm)
    {
        using var net = Prepared(time, batchNorm);
        net.Prune(1e-3);
        using var small = net.Compact(1e-3);
        small.Layers.Should().Be(3);
        small.OriginalLayers.Should().Equal(0, 1, 3);
        small.LayerChannels.Should().Equal(4, 3, 5);
        small.parameters().Sum(p => p.numel()).Should().BeLessThan(net.parameters().Sum(p => p.numel()));
        small.MultiplyAccumulatesPerStep(12, 12).Should().BeLessThan(net.MultiplyAccumulatesPerStep(12, 12) * 3 / 4);
        var x = torch.randn(5, 1, 12, 12);
        using (torch.no_grad())
        {
            var a = net.call(x);
            var b = small.call(x);
            foreach (var key in new[] { LatticeOutputs.Label, LatticeOutputs.StepLogits, LatticeOutputs.Time })
                torch.allclose(a[key], b[key], 1e-4, 1e-5).Should().BeTrue($"output {key} should match");
        }
        var ra = net.InferAdaptive(x);
        var rb = small.InferAdaptive(x);
        ra.Steps.data<long>().ToArray().Should().Equal(rb.Steps.data<long>().ToArray());
        torch.allclose(ra.Logits, rb.Logits, 1e-4, 1e-5).Should().BeTrue();
    }

    [Fact]
    public void Everything_gated_off_cannot_be_compacted()
    {
        using var net = Prepared(TimeMode.Halting);
        using (torch.no_grad()) net.RawDepthGate.zero_();
        var act = () => net.Compact();
        act.Should().Throw<InvalidOperationException>().WithMessage("*every layer*");
    }

    [Theory]
    [InlineData(TimeMode.Halting)]
    [InlineData(TimeMode.FixedMixing)]
    public void Adaptive_inference_stops_each_input_at_its_median_step(TimeMode time)
    {
        torch.manual_seed(11);
        using var net = new LatticeNetwork(LatticeNetworkTests.Small(Connections.BLT, time, steps: 5));
        net.eval();
        if (time == TimeMode.Halting) using (torch.no_grad()) net.HaltingUnit!.weight!.normal_(0, 2);
        else using (torch.no_grad()) net.TimeLogits!.copy_(torch.tensor(new float[] { 0.1f, 1.5f, 0.3f, -1, 0 }));
        var x = torch.randn(16, 1, 12, 12) * 2;
        Dictionary<string, Tensor> full;
        using (torch.no_grad()) full = net.call(x);
        var cumulative = full[LatticeOutputs.Time].cumsum(1);
        var expectedSteps = cumulative.ge(0.5 - 1e-6).to(ScalarType.Int32).argmax(1) + 1;
        var r = net.InferAdaptive(x);
        r.Steps.data<long>().ToArray().Should().Equal(expectedSteps.to(ScalarType.Int64).data<long>().ToArray());
        var chosen = full[LatticeOutputs.StepLogits].gather(1, (r.Steps - 1).reshape(-1, 1, 1).expand(-1, 1, 3)).squeeze(1);
        torch.allclose(r.Logits, chosen, 1e-4, 1e-5).Should().BeTrue();
        r.ComputedSteps.Should().BeLessThanOrEqualTo(16 * 5).And.BeGreaterThanOrEqualTo(r.Steps.max().item<long>());
        // Threshold 1 runs every input to the last step, whose logits it returns.
        var all = net.InferAdaptive(x, 1.0);
        all.Steps.data<long>().ToArray().Should().AllSatisfy(s => s.Should().Be(5));
        torch.allclose(all.Logits, full[LatticeOutputs.StepLogits][.., 4], 1e-4, 1e-5).Should().BeTrue();
    }
}
