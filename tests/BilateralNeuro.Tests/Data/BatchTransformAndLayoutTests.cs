using BilateralNeuro.Data;
using BilateralNeuro.Tests.Support;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace BilateralNeuro.Tests.Data;

public sealed class BatchTransformAndLayoutTests : IDisposable
{
    private readonly LabeledImages data = Synthetic.Quadrants(20);
    private readonly string dir = Directory.CreateTempSubdirectory("bn-layout-").FullName;

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Resize_turns_28_px_into_64_px_before_normalisation()
    {
        using var scope = NewDisposeScope();
        var plain = new BatchSource(data, 8, shuffle: false);
        var resized = new BatchSource(data, 8, shuffle: false) { Transform = BatchTransforms.Resize(64, 64) };
        var ids = plain.IndexBatches(0).First();
        var a = plain.Load(ids, augment: false).Images;
        var b = resized.Load(ids, augment: false).Images;
        b.shape.Should().Equal(a.shape[0], a.shape[1], 64, 64);
        // Bilinear resizing keeps the mean brightness (within interpolation error).
        b.mean().item<float>().Should().BeApproximately(a.mean().item<float>(), 0.05f);
    }

    [Fact]
    public void PerSample_applies_any_per_image_function()
    {
        using var scope = NewDisposeScope();
        var flipped = new BatchSource(data, 4, shuffle: false) { Transform = BatchTransforms.PerSample(img => img.flip(2)) };
        var plain = new BatchSource(data, 4, shuffle: false);
        var ids = plain.IndexBatches(0).First();
        flipped.Load(ids, false).Images.allclose(plain.Load(ids, false).Images.flip(3)).Should().BeTrue();
    }

    [Fact]
    public void A_transform_that_changes_the_batch_size_or_channels_is_refused_clearly()
    {
        using var scope = NewDisposeScope();
        var bad = new BatchSource(data, 4, shuffle: false) { Transform = x => x[..2] };
        FluentActions.Invoking(() => bad.Load(bad.IndexBatches(0).First(), false)).Should().Throw<InvalidOperationException>()
            .WithMessage("*Transform*same N and C*");
        FluentActions.Invoking(() => BatchTransforms.Resize(0, 10)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void A_torchvision_root_is_found_for_fashion_mnist_and_mnist()
    {
        string[] files = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
        foreach (var (dataset, folder) in new[] { ("fashion-mnist", "FashionMNIST"), ("mnist", "MNIST") })
        {
            var raw = Directory.CreateDirectory(Path.Combine(dir, folder, "raw")).FullName;
            foreach (var f in files) File.WriteAllText(Path.Combine(raw, f), "x");
            var found = DataLocator.Locate(dataset, files, dir);
            found.Kind.Should().Be(DataLocationKind.Explicit);
            found.Path.Should().Be(raw);
        }
        FluentActions.Invoking(() => DataLocator.Locate("fashion-mnist", files, Path.Combine(dir, "nothing")))
            .Should().Throw<DirectoryNotFoundException>().WithMessage("*FashionMNIST*raw*");
    }
}
