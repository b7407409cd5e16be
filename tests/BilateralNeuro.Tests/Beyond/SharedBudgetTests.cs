using BilateralNeuro.Beyond;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using BilateralNeuro.Resources;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Beyond;

public class SharedBudgetTests
{
    private static BeyondBuilder TwoLattices(int leftChannels = 8, int rightChannels = 8) => AsymmetricBilateralNetwork.Create()
        .Left(h => h.Lattice(l => l.MaxLayers(2).MaxChannels(leftChannels).MaxSteps(2).Pressure(breadth: 1e-2, depth: 1e-2, time: 1e-2), features: 16).Specialize(LabelLevel.Fine))
        .Right(h => h.Lattice(l => l.MaxLayers(2).MaxChannels(rightChannels).MaxSteps(2).Pressure(breadth: 1e-2, depth: 1e-2, time: 1e-2), features: 16).Specialize(LabelLevel.Coarse))
        .Heads(fine: 6, coarse: 3, dropout: 0.2);

    [Fact]
    public void Builder_lists_every_budget_problem()
    {
        TorchRuntime.EnsureLoaded();
        var act = () => AsymmetricBilateralNetwork.Create()
            .Left(h => h.ResNet9(0.125).Specialize(LabelLevel.Fine))
            .Right(h => h.Lattice(l => l.MaxLayers(2).MaxChannels(4).MaxSteps(2)).Specialize(LabelLevel.Coarse))
            .Heads(6, 3).SharedBudget(budget: -1, temperature: 0, initialLeftShare: 1).Build();
        var e = act.Should().Throw<OptionsValidationException>().Which;
        e.Failures.Should().Contain(f => f.Contains("left hemisphere must be a lattice"));
        e.Failures.Should().Contain(f => f.Contains("budget must be a finite number > 0"));
        e.Failures.Should().Contain(f => f.Contains("temperature must be a finite number > 0"));
        e.Failures.Should().Contain(f => f.Contains("initial left share must lie strictly between 0 and 1"));
        e.Failures.Should().NotContain(f => f.Contains("right hemisphere must be a lattice"));
    }

    [Fact]
    public void Budget_is_registered_and_split_has_the_analytic_gradient()
    {
        TorchRuntime.EnsureLoaded();
        using var net = TwoLattices().SharedBudget(budget: 2, temperature: 0.5).Build();
        net.Budget.Should().NotBeNull();
        net.state_dict().Keys.Should().Contain("budget.split_logit");
        net.Budget!.LeftShareValue.Should().BeApproximately(0.5, 1e-6);
        // d/ds B[σ C_L + (1-σ) C_R + τ(σ ln σ + (1-σ) ln(1-σ))] = B σ(1-σ) (C_L - C_R + τ s); at s = 0: 2 * 0.25 * (3 - 1) = 1.
        using var cl = torch.tensor(3f);
        using var cr = torch.tensor(1f);
        using var cost = net.Budget.Cost(cl, cr);
        cost.backward();
        net.Budget.SplitLogit.grad.Should().NotBeNull();
        net.Budget.SplitLogit.grad!.item<float>().Should().BeApproximately(1f, 1e-5f);
        // At σ = 0.5 the cost is C_L + C_R - B τ ln 2.
        cost.item<float>().Should().BeApproximately((float)(4 - 2 * 0.5 * Math.Log(2)), 1e-5f);
    }

    [Fact]
    public void Fixed_split_has_no_gradient_and_network_without_budget_has_no_key()
    {
        TorchRuntime.EnsureLoaded();
        using var net = TwoLattices().SharedBudget(learned: false, initialLeftShare: 0.3).Build();
        net.Budget!.SplitLogit.requires_grad.Should().BeFalse();
        net.Budget.LeftShareValue.Should().BeApproximately(0.3, 1e-6);
        using var plain = TwoLattices().Build();
        plain.Budget.Should().BeNull();
        plain.state_dict().Keys.Should().NotContain(k => k.StartsWith("budget"));
    }

    [Theory]
    [InlineData(2.0, 1.0)]
    [InlineData(0.5, 1.5)]
    public void Gradient_descent_on_the_split_reaches_the_softmax_of_the_costs(double left, double right)
    {
        TorchRuntime.EnsureLoaded();
        const double tau = 0.5;
        using var budget = new SharedResourceBudget(new SharedBudgetOptions { Budget = 2, Temperature = tau });
        using var cl = torch.tensor((float)left);
        using var cr = torch.tensor((float)right);
        for (int i = 0; i < 2000; i++)
        {
            using var c = budget.Cost(cl, cr);
            c.backward();
            using (torch.no_grad()) budget.SplitLogit.sub_(budget.SplitLogit.grad! * 2.0);
            budget.SplitLogit.grad!.zero_();
        }
        double expected = 1 / (1 + Math.Exp(-(right - left) / tau));
        budget.LeftShareValue.Should().BeApproximately(expected, 1e-3);
        // The hemisphere that spends more keeps more: its pressure share falls below one half.
        (budget.LeftShareValue < 0.5).Should().Be(left > right);
    }

    [Fact]
    public void Protocol_trains_the_split_and_reports_it_per_epoch_the_larger_hemisphere_gets_less_pressure()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(11);
        // The left window is four times wider, so it spends more: the learned split moves pressure to the right.
        using var net = TwoLattices(leftChannels: 16, rightChannels: 4).SharedBudget(budget: 2, temperature: 0.1).Build();
        var r = BeyondProtocolTests.Run(net, BeyondProtocolTests.Tiny(epochs: 2));
        r.BudgetSplit.Should().HaveCount(3, "the initial share and one per epoch");
        r.BudgetSplit[0].Should().BeApproximately(0.5, 1e-6);
        r.BudgetSplit[^1].Should().BeLessThan(0.45);
        r.Stage1.Should().OnlyContain(e => e.ResourceCost != 0);
    }

    [Fact]
    public void Protocol_keeps_a_fixed_split_fixed()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(11);
        using var net = TwoLattices(leftChannels: 16, rightChannels: 4).SharedBudget(learned: false).Build();
        var r = BeyondProtocolTests.Run(net, BeyondProtocolTests.Tiny(epochs: 1));
        r.BudgetSplit.Should().OnlyContain(s => Math.Abs(s - 0.5) < 1e-7);
    }

    [Theory]
    [InlineData("budget", "modifies the lattice")]
    [InlineData("lattice+budget+swapped", "choose one of")]
    [InlineData("paper+t1", "modifies the lattice")]
    [InlineData("asymmetric+ff", "modifies the lattice")]
    public void Experiment_validates_the_lattice_modifiers(string variant, string message)
    {
        var o = new BeyondExperimentOptions { Variants = [variant] };
        var r = new BeyondExperimentOptionsValidator().Validate(null, o);
        r.Failed.Should().BeTrue();
        r.FailureMessage.Should().Contain(message);
    }

    [Fact]
    public void Experiment_builds_each_allocation_control()
    {
        TorchRuntime.EnsureLoaded();
        var o = new BeyondExperimentOptions { Variants = ["lattice+budget", "lattice+fixedsplit", "lattice+swapped", "lattice+equalpressure", "lattice+t1"], Lattice = (2, 4, 3) };
        var x = new BeyondExperiment(o);
        using (var b = x.Build("lattice+budget", 1, 6, 3)) { b.Budget!.SplitLogit.requires_grad.Should().BeTrue(); ((LatticeHemisphere)b.Left).Penalty.Options.BreadthPressure.Should().BeApproximately((3e-3 + 3e-2) / 2, 1e-12); }
        using (var f = x.Build("lattice+fixedsplit", 1, 6, 3)) f.Budget!.SplitLogit.requires_grad.Should().BeFalse();
        using (var s = x.Build("lattice+swapped", 1, 6, 3))
        {
            ((LatticeHemisphere)s.Left).Penalty.Options.TimePressure.Should().Be(o.RightPressure.Time);
            ((LatticeHemisphere)s.Right).Penalty.Options.TimePressure.Should().Be(o.LeftPressure.Time);
        }
        using (var e = x.Build("lattice+equalpressure", 1, 6, 3))
        {
            e.Budget.Should().BeNull();
            ((LatticeHemisphere)e.Left).Penalty.Options.DepthPressure.Should().Be(((LatticeHemisphere)e.Right).Penalty.Options.DepthPressure);
        }
        using (var t = x.Build("lattice+t1", 1, 6, 3)) ((LatticeHemisphere)t.Left).Lattice.Steps.Should().Be(1);
        using var ff = x.Build("lattice+ff", 1, 6, 3);
        using var recurrent = x.Build("lattice", 1, 6, 3);
        foreach (var (h, r) in new[] { (((LatticeHemisphere)ff.Left), ((LatticeHemisphere)recurrent.Left)), (((LatticeHemisphere)ff.Right), ((LatticeHemisphere)recurrent.Right)) })
        {
            h.Lattice.Connections.Should().Be(Connections.B, "the recurrence control drops lateral and top-down drive");
            r.Lattice.Connections.Should().Be(Connections.BLT);
            h.Lattice.Steps.Should().Be(r.Lattice.Steps, "it keeps the lattice's steps");
            h.Penalty.Options.TimePressure.Should().Be(r.Penalty.Options.TimePressure, "and its pressures");
        }
    }
}
