using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Resources;

public class ResourceSeedSweepTests
{
    [Fact]
    public void Defaults_have_three_quick_and_five_full_seeds()
    {
        ResourceExperimentOptions.Quick().Seeds.Should().HaveCountGreaterThanOrEqualTo(3).And.OnlyHaveUniqueItems();
        ResourceExperimentOptions.Full().Seeds.Should().HaveCountGreaterThanOrEqualTo(5).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public void Each_run_sees_its_seed_and_the_option_is_restored()
    {
        TorchRuntime.EnsureLoaded();
        var o = ResourceExperimentOptions.Quick();
        o.Seeds = [4, 7, 9];
        o.Seed = 1;
        var x = new ResourceExperiments(o);
        var seen = ResourceSeedSweep.ForEachSeed(x, e => e.Options.Seed);
        seen.Select(s => s.Seed).Should().Equal(4, 7, 9);
        seen.Select(s => s.Result).Should().Equal(4, 7, 9);
        o.Seed.Should().Be(1);
    }

    [Fact]
    public void Repeated_seeds_are_refused_with_a_clear_message()
    {
        TorchRuntime.EnsureLoaded();
        var o = ResourceExperimentOptions.Quick();
        o.Seeds = [2, 2];
        var act = () => ResourceSeedSweep.ForEachSeed(new ResourceExperiments(o), e => 0);
        act.Should().Throw<ArgumentException>().WithMessage("*Seeds must be distinct*2,2*");
    }
}
