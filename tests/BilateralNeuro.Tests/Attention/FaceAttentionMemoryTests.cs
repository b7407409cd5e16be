using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace BilateralNeuro.Tests.Attention;

/// <summary>
/// Pins the peak resident memory of a small face-attention run above a warmed-up baseline (VmHWM reset through
/// /proc/self/clear_refs, as in <see cref="FaceMemoryTests"/>). The run holds uint8 images (a few MB), float32 feature
/// caches of a few thousand rows (under 10 MB) and one network at a time; the transient peak is the face renderer's chunk
/// (<see cref="Data.FaceDatasets.RenderBudgetBytes"/> = 64 MB of float planes) plus a 128-image batch through the
/// trunk. The old experiment held every pre-training set, continuum and four occlusion copies at once and peaked at 9.7 GB
/// for its default run.
/// </summary>
public class FaceAttentionMemoryTests(ITestOutputHelper output)
{
    private static long StatusKb(string key) =>
        long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0]);

    [Fact]
    public void Small_run_at_128_px_stays_under_300_MB_above_baseline()
    {
        if (!OperatingSystem.IsLinux()) return;    // VmHWM / clear_refs are Linux's
        TorchRuntime.EnsureLoaded();
        var o = FaceAttentionExperimentTests.Tiny();
        new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()));                    // warm-up: thread pools, allocator caches, first-use buffers
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        long baseline = StatusKb("VmRSS");

        o.ImageSize = 128;
        o.Models = ["AlexNet", "FE-AlexNet", "Ungated-AlexNet", "VGG11"];
        o.Pretrainings = [FacePretraining.Object, FacePretraining.Face, FacePretraining.RandomInit];
        o.ObjectImages = 200;
        o.PretrainIdentities = 20;
        o.ImagesPerPretrainIdentity = 10;
        o.TransferIdentities = 20;
        o.AugmentedViews = 3;
        var report = new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()));
        long peakMb = (StatusKb("VmHWM") - baseline) / 1024;
        output.WriteLine($"peak RSS above baseline: {peakMb} MB");

        report.Results.Should().HaveCount(3 * 4 * 2);
        peakMb.Should().BeLessThan(300, "images are uint8, caches a few MB, and one network lives at a time");
    }
}
