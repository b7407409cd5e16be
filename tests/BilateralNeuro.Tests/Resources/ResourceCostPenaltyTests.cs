using BilateralNeuro.Resources;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Resources;

public class ResourceCostPenaltyTests
{
    [Fact]
    public void Rank_weighting_charges_the_weakest_channel_most()
    {
        var g = torch.tensor(new float[] { 0.2f, 1.0f, 0.5f }, requires_grad: true);
        var cost = ResourceCostPenalty.RankWeightedCost(g, RankWeighting.Linear);
        cost.item<float>().Should().BeApproximately(1.0f / 3 + 0.5f * 2 / 3 + 0.2f, 1e-6f);
        cost.backward();
        var grad = g.grad!.data<float>().ToArray();
        // Gradient = w(rank): rank 0 (gate 1.0) 1/3, rank 1 (0.5) 2/3, rank 2 (0.2) 1.
        grad[1].Should().BeApproximately(1f / 3, 1e-6f);
        grad[2].Should().BeApproximately(2f / 3, 1e-6f);
        grad[0].Should().BeApproximately(1f, 1e-6f);
        ResourceCostPenalty.Weights(RankWeighting.Quadratic, 4).Should().BeInAscendingOrder();
        ResourceCostPenalty.Weights(RankWeighting.Uniform, 4).Should().AllSatisfy(w => w.Should().Be(1f));
    }

    [Fact]
    public void Costs_are_differentiable_and_optimising_them_pushes_gates_down()
    {
        torch.manual_seed(5);
        using var net = new LatticeNetwork(LatticeNetworkTests.Small());
        var penalty = new ResourceCostPenalty(new ResourceCostOptions { BreadthPressure = 1, DepthPressure = 1, TimePressure = 1 });
        var x = torch.randn(4, 1, 12, 12);
        float GateSum() => net.BreadthGates().Sum(g => g.sum().item<float>());
        float before = GateSum(), depthBefore = net.DepthGates().sum().item<float>();
        float timeBefore = penalty.Compute(net, net.call(x)).Time.item<float>();
        var opt = torch.optim.Adam(net.parameters(), 0.05);
        for (int i = 0; i < 8; i++)
        {
            using var scope = torch.NewDisposeScope();
            var cost = penalty.Compute(net, net.call(x));
            opt.zero_grad();
            cost.Total.backward();
            net.Layer(0).Gate.grad.Should().NotBeNull();
            net.HaltingUnit!.weight!.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
            opt.step();
        }
        GateSum().Should().BeLessThan(before * 0.8f);
        net.DepthGates().sum().item<float>().Should().BeLessThan(depthBefore * 0.8f);
        penalty.Compute(net, net.call(x)).Time.item<float>().Should().BeLessThan(timeBefore);
    }

    [Fact]
    public void Report_counts_channels_and_layers_above_the_threshold()
    {
        using var net = new LatticeNetwork(LatticeNetworkTests.Small());
        using (torch.no_grad())
        {
            net.Layer(0).Gate[0] = 0; net.Layer(0).Gate[1] = 1e-4f;
            net.Layer(1).Gate.fill_(0);
            net.RawDepthGate[2] = 0.5f;
        }
        var o = net.call(torch.randn(2, 1, 12, 12));
        var r = new ResourceCostPenalty(new ResourceCostOptions { ActiveThreshold = 1e-3 }).Measure(net, o);
        r.ChannelsPerLayer.Should().Equal(4, 0, 6);
        r.Breadth.Should().Be(10);
        r.Depth.Should().Be(2);
        r.Time.Should().BeApproximately(LatticeNetwork.ExpectedSteps(o[LatticeOutputs.Time]).mean().item<float>(), 1e-5);
    }
}
