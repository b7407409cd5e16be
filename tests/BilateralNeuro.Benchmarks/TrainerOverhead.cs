using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// The Trainer's step against a hand-written TorchSharp loop over the same model, data and optimiser, and the data
/// pipeline's batch rate against the rate at which training consumes batches.
/// </summary>
public static class TrainerOverhead
{
    public static IEnumerable<CaseResult> Run(LabeledImages data, int steps, int repeats, TextWriter log)
    {
        const int batch = 64;
        var subset = data.Take(batch * steps);
        var source = new BatchSource(subset, batch, augmentation: Augmentation.CropAndFlip, normalization: Normalization.FashionMnist, seed: 1);
        torch.manual_seed(0);
        using var model = new BenchClassifier(0.25);
        var heads = new[] { HeadSpec.Classification("fine") };
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, LearningRate = 1e-3, ProgressEvery = 1000 });
        var parameters = model.parameters().ToList();
        // The optimiser the engine creates for Adam, so the ratio measures the loop, not the optimiser.
        using var optimizer = FusedAdam.Create(parameters, 1e-3);
        int epoch = 0;

        void ViaTrainer() => trainer.Fit(model, source, null, heads);

        void HandWritten()
        {
            model.train();
            foreach (var idx in source.IndexBatches(++epoch))
            {
                using var scope = NewDisposeScope();
                var b = source.Load(idx, augment: true);
                var logits = model.call(b.Images)["fine"];
                var loss = F.cross_entropy(logits, b.Labels["fine"]);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }

        log.WriteLine($"trainer vs hand loop: {steps} steps of batch {batch}, ResNet-9 width 0.25, 1x28x28, {repeats} interleaved repeats");
        var (tTrainer, tHand) = Harness.Interleaved(ViaTrainer, HandWritten, warmup: 1, repeats: repeats);
        yield return new CaseResult("Trainer step vs hand-written loop", tTrainer / steps * 1000, tHand / steps * 1000, "ms/step",
            "same model, data, Adam; target: overhead ≤ 3%", Target: 0.97) { Group = "library (vs hand-written TorchSharp)" };

        // Data pipeline: batches per second (load + augment + normalise) against training steps per second.
        var full = new BatchSource(data, batch, augmentation: Augmentation.CropAndFlip, normalization: Normalization.FashionMnist, seed: 2);
        int loaded = 0;
        double tLoad = Harness.Time(() =>
        {
            foreach (var idx in full.IndexBatches(1))
            {
                using var scope = NewDisposeScope();
                full.Load(idx, augment: true);
                if (++loaded == 200) break;
            }
        });
        double batchesPerSecond = loaded / tLoad;
        double stepsPerSecond = 1.0 / (tHand / steps);
        yield return new CaseResult("Data pipeline batches/s vs training steps/s", batchesPerSecond, stepsPerSecond, "batches/s",
            "crop+flip+normalise on whole batches; target ≥ 20x", Target: 20, HigherIsBetter: true) { Group = "library (vs hand-written TorchSharp)" };
    }
}
