using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Resources;

public class OcclusionTests
{
    [Theory]
    [InlineData(OccluderKind.Patches)]
    [InlineData(OccluderKind.Debris)]
    public void Occluded_fraction_is_controlled_and_recorded(OccluderKind kind)
    {
        using var data = SyntheticBars.Create(40, 1, size: 16);
        using var none = Occlusion.Apply(data, kind, 0, seed: 2);
        torch.equal(none.Images, data.Images).all().item<bool>().Should().BeTrue();
        using var some = Occlusion.Apply(data, kind, 0.4, seed: 2, new OcclusionOptions { MinPatch = 2, MaxPatch = 3 });
        var f = some.Labels[Occlusion.Level].data<float>().ToArray();
        f.Should().AllSatisfy(v => v.Should().BeInRange(0.4f, 0.75f));
        torch.equal(some.Images, data.Images).all().item<bool>().Should().BeFalse();
        torch.equal(some.Labels[LabelLevels.Fine], data.Labels[LabelLevels.Fine]).all().item<bool>().Should().BeTrue();
        using var mixed = Occlusion.ApplyMixed(data, kind, 0.6, seed: 3, new OcclusionOptions { MinPatch = 2, MaxPatch = 3 });
        var m = mixed.Labels[Occlusion.Level].data<float>().ToArray();
        m.Max().Should().BeGreaterThan(m.Min() + 0.2f);
    }

    [Fact]
    public void Clutter_adds_ink_and_first_classes_filters()
    {
        using var data = SyntheticBars.Create(40, 1, size: 16);
        using var cluttered = Occlusion.Clutter(data, 3, seed: 4);
        cluttered.Images.to(torch.float32).sum().item<float>().Should().BeGreaterThan(data.Images.to(torch.float32).sum().item<float>());
        (cluttered.Images.to(torch.int32) - data.Images.to(torch.int32)).min().item<int>().Should().BeGreaterThanOrEqualTo(0);
        using var two = Occlusion.FirstClasses(data, 2);
        two.Count.Should().Be(40);
        var y = data.Labels[LabelLevels.Fine].data<long>().ToArray();
        using var first = data.WithLabels("x", data.Labels[LabelLevels.Fine] + 1);
        using var onlyOnes = Occlusion.FirstClasses(first, 2, "x");
        onlyOnes.Count.Should().Be(y.Count(v => v == 0));
    }
}
