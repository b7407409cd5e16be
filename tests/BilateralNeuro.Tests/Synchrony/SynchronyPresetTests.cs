using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Synchrony;

/// <summary>Issue 16: the default run is in the reference's dynamical regime; --preset reference is the reference's scale.</summary>
public class SynchronyPresetTests
{
    // Stated tolerance for "the default keeps the reference's dimensionless quantities": the local/global coupling
    // ratio and the integrated local coupling within 5 % of the reference's 8×32×32 values, the reach per map side at
    // least the reference's (a smaller map only lengthens it relative to the side).
    private const double RelativeTolerance = 0.05;

    [Fact]
    public void Default_options_run_t15_k13_in_the_reference_regime()
    {
        var o = new SynchronyExperimentOptions();
        o.Steps.Should().Be(15);
        o.KernelSize.Should().Be(13);
        var r = o.Regime();
        var reference = KuramotoRegime.Reference;
        reference.LocalGlobalRatio.Should().BeApproximately(0.78, 0.01, "the reference's 8×32×32 ratio");
        r.LocalGlobalRatio.Should().BeApproximately(reference.LocalGlobalRatio, RelativeTolerance * reference.LocalGlobalRatio, r.Describe());
        r.IntegratedLocalCoupling.Should().BeApproximately(reference.IntegratedLocalCoupling, RelativeTolerance * reference.IntegratedLocalCoupling, r.Describe());
        r.ReachPerSide.Should().BeGreaterThanOrEqualTo(reference.ReachPerSide, r.Describe());
        r.IsReferenceRegime.Should().BeTrue(r.Describe());
        r.Warning.Should().BeNull();
    }

    [Fact]
    public void Epsilon_for_a_map_side_keeps_the_global_repulsion_of_the_reference()
    {
        foreach (int side in new[] { 8, 16, 24, 32, 48 })
        {
            var o = new SynchronyExperimentOptions { MapSize = side, Epsilon = SynchronyExperimentOptions.EpsilonFor(side) };
            o.Regime().GlobalCoupling.Should().BeApproximately(KuramotoRegime.Reference.GlobalCoupling, 1e-9);
        }
        // Halving the map side without rescaling ε leaves the regime (ratio × 4), and the check says so.
        new SynchronyExperimentOptions { MapSize = 16, Epsilon = SynchronyExperimentOptions.ReferenceEpsilon }.Regime().Warning.Should().Contain("local/global coupling ratio");
    }

    [Fact]
    public void Reference_preset_is_the_references_scale_and_regime()
    {
        var o = SynchronyExperimentOptions.Reference();
        o.Regime().Should().Be(KuramotoRegime.Reference);
        ((int)Math.Round(o.TrainImages * (1 - o.ValidationFraction))).Should().Be(48_000);
        o.Training.Epochs.Should().Be(30);
        o.Training.BatchSize.Should().Be(256);
        o.Training.LearningRate.Should().Be(1e-2);
        o.Training.GradientClip.Should().Be(2);
        o.Models.Should().BeEquivalentTo(Enum.GetValues<SynchronyModel>());
        new SynchronyExperimentOptionsValidator().Validate(null, o).Succeeded.Should().BeTrue();
        SynchronyCostEstimate.For(o).CpuHours.Should().BeGreaterThan(24, "48k images × 30 epochs at T = 15 on 32×32 maps is days of CPU time");
    }

    [Fact]
    public void Old_quick_preset_is_outside_the_regime()
    {
        var r = SynchronyExperimentOptions.OldQuick().Regime();
        r.IsReferenceRegime.Should().BeFalse();
        r.Departures().Should().HaveCount(3);
    }

    [Fact]
    public void Default_run_is_estimated_within_six_cpu_minutes_and_gives_every_model_the_same_steps()
    {
        var o = new SynchronyExperimentOptions();
        var estimate = SynchronyCostEstimate.For(o);
        (estimate.CpuSeconds / 60).Should().BeLessThanOrEqualTo(6, string.Join("\n", estimate.Lines()));
        o.Seeds.Should().BeGreaterThanOrEqualTo(3, "the fair table needs >= 3 seeds for a CI");
        estimate.Items.Select(i => i.TrainPasses).Distinct().Should().ContainSingle("every model sees the same images, so takes the same optimiser steps");
    }
}
