using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class FaceGeneratorTests
{
    private static readonly FaceGenerator Clean = new(new FaceGeneratorOptions { Size = 64, Noise = 0 });

    [Fact]
    public void Valence_changes_the_mouth_region_and_little_outside_the_expression_regions()
    {
        var ids = Clean.SampleIdentities(4, seed: 5);
        var nu = Enumerable.Repeat(FaceNuisance.Canonical, 4).ToList();
        using var sad = Clean.Render(ids, [0.0, 0.0, 0.0, 0.0], nu);
        using var happy = Clean.Render(ids, [1.0, 1.0, 1.0, 1.0], nu);
        var diff = (happy - sad).abs().mean([1]); // (N, H, W)
        var mouth = Clean.RegionMasks(ids, nu, FaceOcclusion.Mouth);
        var eyes = Clean.RegionMasks(ids, nu, FaceOcclusion.Eyes);
        var nose = Clean.RegionMasks(ids, nu, FaceOcclusion.Nose);
        double Mean(torch.Tensor mask) => diff.masked_select(mask).mean().item<float>();
        double inMouth = Mean(mouth), inNose = Mean(nose), elsewhere = Mean(~(mouth | eyes));
        inMouth.Should().BeGreaterThan(0.03);
        inNose.Should().BeLessThan(0.002);
        elsewhere.Should().BeLessThan(0.002);
        inMouth.Should().BeGreaterThan(20 * elsewhere);
        // and the sum of change inside the mouth box is the largest share of the total
        var total = diff.sum().item<float>();
        (diff.masked_select(mouth).sum().item<float>() / total).Should().BeGreaterThan(0.4f);
    }

    [Fact]
    public void Identities_differ_and_images_are_in_range()
    {
        var ids = Clean.SampleIdentities(2, seed: 1);
        var nu = Enumerable.Repeat(FaceNuisance.Canonical, 2).ToList();
        using var img = Clean.Render(ids, [0.5, 0.5], nu);
        img.shape.Should().Equal(2, 3, 64, 64);
        img.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
        img.max().item<float>().Should().BeLessThanOrEqualTo(1);
        (img[0] - img[1]).abs().mean().item<float>().Should().BeGreaterThan(0.02f);
    }

    [Fact]
    public void Occluder_fills_its_box_with_grey()
    {
        var ids = Clean.SampleIdentities(1, seed: 2);
        var nu = new[] { FaceNuisance.Canonical };
        using var img = Clean.Render(ids, [1.0], nu, FaceOcclusion.Mouth);
        var mask = Clean.RegionMasks(ids, nu, FaceOcclusion.Mouth)[0];
        var inside = img[0].masked_select(mask.unsqueeze(0).expand(3, 64, 64));
        inside.sub(0.5f).abs().max().item<float>().Should().BeLessThan(1e-5f);
        mask.sum().item<long>().Should().BeGreaterThan(30);
    }

    [Fact]
    public void Datasets_have_expected_labels_and_the_continuum_spans_21_levels()
    {
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64 });
        var ids = gen.SampleIdentities(3, seed: 9);
        using var valence = gen.ValenceSet(ids, 4, seed: 1, neutral: true);
        valence.Count.Should().Be(12);
        valence.ClassCount(FaceDatasets.Valence).Should().Be(3);
        valence.Images.dtype.Should().Be(torch.ScalarType.Byte);
        using var identity = gen.IdentitySet(ids, 2, seed: 1);
        identity.ClassCount(FaceDatasets.Identity).Should().Be(3);
        using var morph = gen.Continuum(ids, seed: 1, occlusion: FaceOcclusion.Eyes);
        morph.Levels.Should().HaveCount(21);
        morph.Images.Count.Should().Be(63);
        morph.Images.Labels[FaceDatasets.Morph].max().item<long>().Should().Be(20);
        morph.Images.Labels[FaceDatasets.Valence].sum().item<long>().Should().Be(30); // levels 11..20 of 3 identities
    }
}
