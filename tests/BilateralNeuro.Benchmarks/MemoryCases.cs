using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// Leak check: RSS after 1,000 Trainer steps against after 100 (ResNet-9 width 0.125, Fashion-MNIST, batch 16, with
/// augmentation; 10 epochs of 100 steps). RSS is read at the end of epochs 1 and 10 without forcing a collection.
/// </summary>
public static class MemoryCases
{
    private sealed class Classifier : nn.Module<Tensor, Dictionary<string, Tensor>>
    {
        private readonly ResNet9 backbone;
        private readonly nn.Module<Tensor, Tensor> head;

        public Classifier(double width) : base(nameof(Classifier))
        {
            backbone = new ResNet9(1, width);
            head = nn.Linear(backbone.FeatureSize, 10);
            RegisterComponents();
        }

        public override Dictionary<string, Tensor> forward(Tensor x) => new() { ["fine"] = head.call(backbone.call(x)) };
    }

    private sealed class EpochRss(Dictionary<int, double> at) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochEnd is not null) at[value.Epoch] = Rss.CurrentMb;
        }
    }

    public static IEnumerable<CaseResult> Run(LabeledImages train, BenchSettings s)
    {
        const int batch = 16, stepsPerEpoch = 100, epochs = 10;
        torch.manual_seed(0);
        using var data = train.Take(batch * stepsPerEpoch);
        var source = new BatchSource(data, batch, augmentation: Augmentation.CropAndFlip, normalization: Normalization.FashionMnist, seed: 3);
        using var model = new Classifier(0.125);
        var trainer = new Trainer(new TrainerOptions { Epochs = epochs, LearningRate = 1e-3, ProgressEvery = 1_000_000 });
        var at = new Dictionary<int, double>();
        double start = Rss.ResetPeak();
        double seconds = Harness.Time(() => trainer.Fit(model, source, null, [HeadSpec.Classification("fine")], new EpochRss(at)));
        double peak = Rss.PeakMb - start;
        double growth = at[epochs] / at[1] - 1;
        s.Log.WriteLine($"memory: RSS {at[1]:F1} MB after 100 steps, {at[epochs]:F1} MB after 1,000 (epochs: {string.Join(", ", at.OrderBy(k => k.Key).Select(k => k.Value.ToString("F0")))}); {seconds:F1} s");
        yield return new CaseResult("RSS after 1,000 Trainer steps vs after 100 (ResNet-9 width 0.125, batch 16)", at[epochs], at[1], "MB",
            $"growth {growth:P2} (target < 1 %, shown as ratio ≥ 0.99)", Target: 0.99)
        { Group = "memory", RssMb = peak };
    }
}
