using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// Leak check: RSS after 1,000 Trainer steps against after 100 (ResNet-9 width 0.125, Fashion-MNIST, batch 16, with
/// augmentation; 10 epochs of 100 steps). RSS is read at the end of epochs 1 and 10 without forcing a collection.
/// With the runtime's default gen0 budget (about 13 MB here) the GC's young generation is still growing to its
/// working size at step 100 (one gen0 collection per ~400 steps of this loop); run with DOTNET_GCgen0size=0x200000
/// (an environment-only runtime knob) to see the loop's own memory from step 100 on. The row names say which.
/// </summary>
public static class MemoryCases
{
    /// <summary>At each epoch end: raw RSS, then live tensors (this thread), managed heap, and RSS after malloc_trim.</summary>
    private sealed class EpochRss : IProgress<TrainingProgress>
    {
        public Dictionary<int, (double Rss, long Tensors, double ManagedMb, double TrimmedRss)> At { get; } = [];

        public void Report(TrainingProgress value)
        {
            if (value.EpochEnd is null) return;
            double raw = Rss.CurrentMb;
            long tensors = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
            double managed = GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
            At[value.Epoch] = (raw, tensors, managed, Rss.TrimmedMb());
        }
    }

    public static IEnumerable<CaseResult> Run(LabeledImages train, BenchSettings s)
    {
        const int batch = 16, stepsPerEpoch = 100, epochs = 10;
        torch.manual_seed(0);
        using var data = train.Take(batch * stepsPerEpoch);
        var source = new BatchSource(data, batch, augmentation: Augmentation.CropAndFlip, normalization: Normalization.FashionMnist, seed: 3);
        using var model = new BenchClassifier(0.125);
        var trainer = new Trainer(new TrainerOptions { Epochs = epochs, LearningRate = 1e-3, ProgressEvery = 1_000_000 });
        var progress = new EpochRss();
        double start = Rss.ResetPeak();
        double seconds = Harness.Time(() => trainer.Fit(model, source, null, [HeadSpec.Classification("fine")], progress));
        double peak = Rss.PeakMb - start;
        var at = progress.At;
        var (first, last) = (at[1], at[epochs]);
        s.Log.WriteLine($"memory ({seconds:F0} s), per epoch of 100 steps: " + string.Join("; ", at.OrderBy(k => k.Key).Select(k =>
            $"{k.Key}: RSS {k.Value.Rss:F1} MB, trimmed {k.Value.TrimmedRss:F1} MB, live tensors {k.Value.Tensors}, managed {k.Value.ManagedMb:F1} MB")));
        string gen0 = Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is { Length: > 0 } g ? $"DOTNET_GCgen0size={g}" : "default GC gen0 budget";
        string detail = $"{gen0}; live tensors {first.Tensors} -> {last.Tensors}, managed heap {first.ManagedMb:F1} -> {last.ManagedMb:F1} MB";
        yield return new CaseResult($"RSS after 1,000 Trainer steps vs after 100 (ResNet-9 width 0.125, batch 16; {gen0})", last.Rss, first.Rss, "MB",
            $"growth {last.Rss / first.Rss - 1:P2} (target < 1 %, shown as ratio ≥ 0.99); {detail}", Target: 0.99)
        { Group = "memory", RssMb = peak };
        yield return new CaseResult($"RSS after malloc_trim, 1,000 steps vs 100 (same run; {gen0})", last.TrimmedRss, first.TrimmedRss, "MB",
            $"growth {last.TrimmedRss / first.TrimmedRss - 1:P2}: what remains once glibc returns its free pages", Target: 0.99)
        { Group = "memory" };
        var warm = at[4];
        yield return new CaseResult("RSS after malloc_trim, 1,000 steps vs 400 (after warm-up)", last.TrimmedRss, warm.TrimmedRss, "MB",
            $"growth {last.TrimmedRss / warm.TrimmedRss - 1:P2}; a leak keeps growing here, a warm-up (GC heap sizing, allocator, JIT) does not")
        { Group = "memory" };
    }
}
