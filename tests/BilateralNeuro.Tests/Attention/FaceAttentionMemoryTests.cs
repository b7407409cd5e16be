using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace BilateralNeuro.Tests.Attention;

/// <summary>
/// Pins the peak resident memory of a small face-attention run above a warmed-up baseline (VmHWM reset through
/// /proc/self/clear_refs, as in <see cref="FaceMemoryTests"/>). The run holds uint8 images (about 30 MB at 128 px), float32
/// feature caches of a few thousand rows (under 10 MB) and one network at a time; the transient peaks are the face and
/// object renderers' chunks (64 MB of float planes each) and 128-image batches through the trunks. Measured on the
/// shared 2-core machine (2026-12-01): 584 MB above the baseline, most of it allocator and first-use buffers of the 128 px
/// convolutions (the warm-up runs at 64 px), not held data; 493 MB after issue 18's per-seed pre-training (2026-12-01,
/// pre-training at 64 px, Fashion-MNIST objects, transfer at 128 px, shared machine). The bound, 800 MB, leaves room for allocator variation and
/// fails for the kind of regression the old experiment had (every set, continuum and occlusion copy held at once: 9.7 GB
/// for its default run).
/// </summary>
public class FaceAttentionMemoryTests(ITestOutputHelper output)
{
    private static long StatusKb(string key) =>
        long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0]);

    [Fact]
    public void Small_run_at_128_px_stays_under_800_MB_above_baseline()
    {
        if (!OperatingSystem.IsLinux()) return;    // VmHWM / clear_refs are Linux's
        TorchRuntime.EnsureLoaded();
        var o = FaceAttentionExperimentTests.Tiny();
        new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData()));                    // warm-up: thread pools, allocator caches, first-use buffers
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        long baseline = StatusKb("VmRSS");

        o.ImageSize = 128;              // above the default's 96 px transfer size; pre-training at 64 px and Fashion-MNIST objects like the default
        o.PretrainImageSize = 64;
        o.ObjectSet = FaceObjectSet.FashionMnist;
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
        peakMb.Should().BeLessThan(800, "images are uint8, caches a few MB, and one network lives at a time");
    }
}
