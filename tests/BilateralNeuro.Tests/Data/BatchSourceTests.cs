using BilateralNeuro.Data;
using BilateralNeuro.Tests.Support;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Data;

public sealed class BatchSourceTests : IDisposable
{
    private readonly LabeledImages data = Synthetic.Quadrants(100);

    [Fact]
    public void An_epoch_visits_every_index_once_in_a_seeded_order()
    {
        var a = new BatchSource(data, 32, seed: 5).IndexBatches(1).ToList();
        var b = new BatchSource(data, 32, seed: 5).IndexBatches(1).ToList();
        var c = new BatchSource(data, 32, seed: 5).IndexBatches(2).ToList();

        a.Select(x => x.Length).Should().Equal(32, 32, 32, 4);
        a.SelectMany(x => x).Order().Should().Equal(Enumerable.Range(0, 100).Select(i => (long)i));
        a.SelectMany(x => x).Should().Equal(b.SelectMany(x => x));
        a.SelectMany(x => x).Should().NotEqual(c.SelectMany(x => x));
    }

    [Fact]
    public void Drop_last_drops_the_partial_batch() =>
        new BatchSource(data, 32, dropLast: true).IndexBatches(0).Should().HaveCount(3);

    [Fact]
    public void Load_normalises_with_the_given_statistics()
    {
        var source = new BatchSource(data, 100, normalization: new Normalization([0.5], [0.25]), shuffle: false);
        var batch = source.Load(Enumerable.Range(0, 100).Select(i => (long)i).ToArray(), augment: false);
        var expected = (data.Images.to(ScalarType.Float32) / 255 - 0.5) / 0.25;
        torch.allclose(batch.Images, expected, atol: 1e-5).Should().BeTrue();
        batch.Labels["fine"].shape.Should().Equal(100);
    }

    [Fact]
    public void Random_crop_yields_windows_of_the_reflect_padded_image()
    {
        var source = new BatchSource(data, 8, augmentation: new Augmentation { CropPadding = 2 }, seed: 1);
        long[] idx = [0, 1, 2, 3, 4, 5, 6, 7];
        source.IndexBatches(1).First();   // seeds the augmentation for epoch 1
        var batch = source.Load(idx, augment: true);
        var plain = data.Images.index_select(0, torch.tensor(idx)).to(ScalarType.Float32) / 255;
        var padded = nn.functional.pad(plain, [2, 2, 2, 2], PaddingModes.Reflect);
        int shifted = 0;
        for (int n = 0; n < 8; n++)
        {
            bool found = false;
            for (int dy = 0; dy <= 4 && !found; dy++)
                for (int dx = 0; dx <= 4 && !found; dx++)
                    if (torch.allclose(batch.Images[n], padded[n, .., dy..(dy + 12), dx..(dx + 12)], atol: 1e-6))
                    {
                        found = true;
                        if (dy != 2 || dx != 2) shifted++;
                    }
            found.Should().BeTrue($"image {n} should be a 12x12 window of its padded original");
        }
        shifted.Should().BeGreaterThan(0, "some of 8 crops should be off-centre");
    }

    [Fact]
    public void Flip_mirrors_about_half_of_a_batch()
    {
        var source = new BatchSource(data, 100, augmentation: new Augmentation { HorizontalFlip = true }, seed: 2);
        var idx = source.IndexBatches(1).First();
        var batch = source.Load(idx, augment: true);
        var plain = data.Images.index_select(0, torch.tensor(idx)).to(ScalarType.Float32) / 255;
        int flipped = 0;
        for (int n = 0; n < 100; n++)
        {
            bool same = Same(batch.Images[n], plain[n]);
            bool mirrored = Same(batch.Images[n], plain[n].flip(2));
            (same || mirrored).Should().BeTrue();
            if (mirrored && !same) flipped++;
        }
        flipped.Should().BeInRange(30, 70);
    }

    [Fact]
    public void Validation_split_is_disjoint_and_seeded()
    {
        var (train, val) = data.SplitValidation(0.2, seed: 4);
        train.Count.Should().Be(80);
        val.Count.Should().Be(20);
        var (_, val2) = data.SplitValidation(0.2, seed: 4);
        Same(val.Images, val2.Images).Should().BeTrue();
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public void Dispose() => data.Dispose();
}
