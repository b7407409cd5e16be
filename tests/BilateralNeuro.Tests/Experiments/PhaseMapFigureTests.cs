using BilateralNeuro.Analysis;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

public class PhaseMapFigureTests
{
    [Fact]
    public void The_labelled_phase_map_is_written_beside_the_data_image_and_is_larger_than_it()
    {
        TorchRuntime.EnsureLoaded();
        var dir = Directory.CreateTempSubdirectory("phasemap").FullName;
        // A data image as the experiment writes it: T = 4 steps + the input row, 3 channels of 8x8, 3x upscaled.
        var data = Path.Combine(dir, "phases-KomplexNet-data.png");
        PngWriter.Write(data, torch.rand(3, 3 * 5 * 8, 3 * 3 * 8));
        var figure = Charts.PhaseMap(data, steps: 4);
        figure.Should().Be(Path.Combine(dir, "phases-KomplexNet.png"));
        File.Exists(figure).Should().BeTrue();
        var (w, h) = PngSize(figure);
        var (dw, dh) = PngSize(data);
        w.Should().BeGreaterThan(dw, "axes, labels and the colour bar surround the data image");
        h.Should().BeGreaterThan(dh);
        Directory.Delete(dir, recursive: true);
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var b = File.ReadAllBytes(path);
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(20)));
    }
}
