using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Data;

public class FaceDataPiecesTests
{
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void Averaged_continuum_is_one_canonical_face_at_21_levels_from_sad_to_happy()
    {
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64, Noise = 0 });
        var ids = gen.SampleIdentities(12, seed: 4);
        using var morph = gen.AveragedContinuum(ids, seed: 1);
        morph.Images.Count.Should().Be(21);
        morph.Levels.Should().HaveCount(21);
        morph.Levels[0].Should().Be(0);
        morph.Levels[20].Should().Be(1);
        morph.Levels[10].Should().BeApproximately(0.5, 1e-12);
        morph.Images.Images.dtype.Should().Be(ScalarType.Byte);
        morph.Images.Labels[FaceDatasets.Morph].data<long>().ToArray().Should().Equal(Enumerable.Range(0, 21).Select(i => (long)i));
        morph.Images.Labels[FaceDatasets.Valence].data<long>().ToArray().Should().Equal(Enumerable.Range(0, 21).Select(i => i > 10 ? 1L : 0L));
        // one face: neighbouring levels differ a little, the ends a lot, and the change is monotone in level
        var x = morph.Images.Images.to(ScalarType.Float32);
        double Diff(int a, int b) => (x[a] - x[b]).abs().mean().item<float>();
        Diff(0, 1).Should().BeLessThan(Diff(0, 10));
        Diff(0, 10).Should().BeLessThan(Diff(0, 20));
        // and it is the average identity, rendered as Render would (same seed of noise = none here)
        var avg = FaceIdentity.Average(ids);
        avg.FaceWidth.Should().BeApproximately(ids.Average(i => i.FaceWidth), 1e-12);
        avg.Skin[1].Should().BeApproximately(ids.Average(i => i.Skin[1]), 1e-12);
        using var direct = gen.Render([avg], [1.0], [FaceNuisance.Canonical]);
        var bytes = direct.mul(255).round().to(ScalarType.Byte);
        Same(bytes[0], morph.Images.Images[20]).Should().BeTrue();
    }

    [Fact]
    public void Chunked_rendering_gives_the_same_bytes_as_one_chunk_when_there_is_no_noise()
    {
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64, Noise = 0 });
        var ids = gen.SampleIdentities(5, seed: 2);
        try
        {
            FaceDatasets.ChunkOverride = 3;
            using var small = gen.IdentitySet(ids, 2, seed: 8);
            FaceDatasets.ChunkOverride = 256;
            using var one = gen.IdentitySet(ids, 2, seed: 8);
            Same(small.Images, one.Images).Should().BeTrue();
        }
        finally { FaceDatasets.ChunkOverride = null; }
        FaceDatasets.RenderChunk(128).Should().BeLessThan(FaceDatasets.RenderChunk(64));
        FaceDatasets.RenderChunk(224).Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public void Identity_plan_renders_on_demand_what_the_eager_set_holds()
    {
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64, Noise = 0 });
        var ids = gen.SampleIdentities(4, seed: 6);
        using var eager = gen.IdentitySet(ids, 3, seed: 9);
        var plan = gen.IdentityPlan(ids, 3, seed: 9);
        plan.Count.Should().Be(12);
        plan.Identities.Should().Be(4);
        Same(plan.IdentityLabels(), eager.Labels[FaceDatasets.Identity]).Should().BeTrue();
        long[] pick = [11, 0, 5];
        Same(plan.Render(pick), eager.Images.index_select(0, torch.tensor(pick))).Should().BeTrue();
        // with pixel noise, an image renders the same in any batch
        var noisy = new FaceGenerator(new FaceGeneratorOptions { Size = 64, Noise = 0.05 }).IdentityPlan(ids, 3, seed: 9);
        Same(noisy.Render([4, 7])[1], noisy.Render([7])[0]).Should().BeTrue();
        var bad = () => plan.Render([12]);
        bad.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[0, 12)*");
    }

    [Fact]
    public void Procedural_objects_are_balanced_deterministic_and_their_class_is_in_the_shape()
    {
        using var a = ProceduralObjects.Create(200, size: 32, seed: 5);
        using var b = ProceduralObjects.Create(200, size: 32, seed: 5);
        using var c = ProceduralObjects.Create(200, size: 32, seed: 6);
        a.Images.shape.Should().Equal(200, 3, 32, 32);
        a.Images.dtype.Should().Be(ScalarType.Byte);
        Same(a.Images, b.Images).Should().BeTrue();
        Same(a.Images, c.Images).Should().BeFalse();
        a.ClassCount(LabelLevels.Fine).Should().Be(10);
        a.Labels[LabelLevels.Fine].bincount(null).data<long>().ToArray().Should().AllBeEquivalentTo(20L);
        // colour carries no class: mean colour per class is close to the overall mean colour
        var x = a.Images.to(ScalarType.Float32) / 255f;
        var y = a.Labels[LabelLevels.Fine];
        var overall = x.mean([0, 2, 3]);
        for (long k = 0; k < 10; k++)
        {
            var rows = torch.nonzero(y.eq(k)).squeeze(1);
            (x.index_select(0, rows).mean([0, 2, 3]) - overall).abs().max().item<float>().Should().BeLessThan(0.15f);
        }
        var bad = () => ProceduralObjects.Create(0, size: 8);
        bad.Should().Throw<ArgumentException>().WithMessage("*count*size*");
    }

    [Fact]
    public void Shapes_are_linearly_decodable_from_a_position_and_rotation_invariant_radial_profile()
    {
        // per image: the contour (pixels where the colour changes sharply; the lighting gradient is smooth), distances of
        // its pixels from their centroid divided by the largest, as an 8-bin histogram. Disks, rings, crescents, stars ...
        // differ there, so a linear probe reads the class far above chance (0.1); colour and position cannot help it.
        using var set = ProceduralObjects.Create(400, size: 32, seed: 2, noise: 0);
        var x = set.Images.to(ScalarType.Float32) / 255f;
        var gy = x.narrow(2, 1, 31) - x.narrow(2, 0, 31);
        var gx = x.narrow(3, 1, 31) - x.narrow(3, 0, 31);
        var grad = (gy.narrow(3, 0, 31).square() + gx.narrow(2, 0, 31).square()).sum(1).sqrt();   // (N, 31, 31)
        var fg = nn.functional.pad(grad.gt(0.08f).to(ScalarType.Float32), [0, 1, 0, 1]);            // contour, (N, 32, 32)
        var coords = torch.arange(32, dtype: ScalarType.Float32);
        var rows = new List<Tensor>();
        for (int i = 0; i < 400; i++)
        {
            var m = fg[i];
            var area = m.sum().clamp_min(1);
            var cy = (m.sum([1]) * coords).sum() / area;
            var cx = (m.sum([0]) * coords).sum() / area;   // sum([0]): a bare 0 would bind to sum(ScalarType)
            var d = ((coords.reshape(32, 1) - cy).square() + (coords.reshape(1, 32) - cx).square()).sqrt();
            var dn = d / (d * m).max().clamp_min(1e-3f);
            var bins = (dn * 8).clamp(0, 7.999f).floor().to(ScalarType.Int64);
            var hist = torch.zeros(8).index_add(0, bins.flatten(), m.flatten(), 1) / area;
            rows.Add(hist);
        }
        var features = torch.stack(rows, 0);
        var r = LinearProbe.CrossValidate(features, set.Labels[LabelLevels.Fine], new LinearProbeOptions { Folds = 4, Ridge = 1e-3 });
        r.Chance.Should().BeApproximately(0.1, 1e-9);
        r.Accuracy.Should().BeGreaterThan(0.35);
    }

    [Fact]
    public void Resized_crop_flip_is_the_identity_at_full_scale_without_flip_and_a_mirror_or_identity_with_it()
    {
        using var g = new Generator(3);
        var x = torch.rand([4, 3, 16, 16], generator: g);
        var identity = new ResizedCropFlip(1.0, 1.0, Flip: false, MaxRatio: 1.0);
        identity.Apply(x, g).allclose(x, 1e-5, 1e-5).Should().BeTrue();
        using var g2 = new Generator(1);
        var y = (identity with { Flip = true }).Apply(torch.cat([x, x, x, x], 0), g2);
        int flipped = 0;
        for (int i = 0; i < 16; i++)
        {
            var src = x[i % 4];
            bool same = y[i].allclose(src, 1e-5, 1e-5), mirrored = y[i].allclose(src.flip(2), 1e-5, 1e-5);
            (same || mirrored).Should().BeTrue();
            if (mirrored && !same) flipped++;
        }
        flipped.Should().BeInRange(2, 14);     // about half of 16 (binomial, p = 0.5)
        var crop = new ResizedCropFlip(0.3, 0.5).Apply(x, new Generator(9));
        crop.shape.Should().Equal(4, 3, 16, 16);
        crop.allclose(x).Should().BeFalse();
        // the same generator seed gives the same batch
        Same(new ResizedCropFlip(0.3, 0.5).Apply(x, new Generator(9)), crop).Should().BeTrue();
        // values stay within the input's range (bilinear, border padding)
        crop.min().item<float>().Should().BeGreaterThanOrEqualTo(x.min().item<float>() - 1e-6f);
        crop.max().item<float>().Should().BeLessThanOrEqualTo(x.max().item<float>() + 1e-6f);
        var bad = () => identity.Apply(torch.zeros(2, 3, 4, 4, dtype: ScalarType.Byte), g);
        bad.Should().Throw<ArgumentException>().WithMessage("*floating-point*");
    }
}
