using System.Diagnostics;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral.Training;

/// <summary>
/// Trains a <see cref="BilateralHead"/> on cached hemisphere features (stage 2 with frozen hemispheres): Adam with
/// L2 weight decay, seeded shuffles, weighted head losses, and the weights of the best validation epoch restored at
/// the end (selection on the first head's validation accuracy).
/// </summary>
public sealed class CachedHeadTrainer
{
    private readonly StageOptions stage;
    private readonly int seed;
    private readonly ILogger logger;

    /// <summary>Creates the trainer.</summary>
    public CachedHeadTrainer(StageOptions stage, int seed = 0, ILogger<CachedHeadTrainer>? logger = null)
    {
        this.stage = stage ?? throw new ArgumentNullException(nameof(stage));
        this.seed = seed;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Fits the head; returns the per-epoch history (durations include the validation pass).</summary>
    public TrainingResult Fit(BilateralHead head, FeatureCache train, FeatureCache validation, IReadOnlyList<HeadSpec> heads,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        var parameters = head.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.Adam(parameters, stage.LearningRate, weight_decay: stage.WeightDecay);
        var generator = new Generator((ulong)seed + 17);
        var history = new List<EpochMetrics>();
        string selection = $"{heads[0].Output}/accuracy";
        double bestScore = double.NegativeInfinity;
        int bestEpoch = 0;
        Dictionary<string, Tensor>? best = null;
        var clock = Stopwatch.StartNew();
        long n = train.Count;
        for (int epoch = 1; epoch <= stage.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            head.train();
            generator.manual_seed(seed * 1000L + epoch);
            using var order = randperm(n, generator: generator).to(train.Left.device);
            double lossSum = 0;
            var correct = new long[heads.Count];
            for (long start = 0; start < n; start += stage.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var idx = order[TensorIndex.Slice(start, Math.Min(n, start + stage.BatchSize))];
                var outputs = head.call(train.Left.index_select(0, idx), train.Right.index_select(0, idx));
                Tensor? loss = null;
                for (int h = 0; h < heads.Count; h++)
                {
                    var target = train.Labels[heads[h].Label].index_select(0, idx);
                    var logits = outputs[heads[h].Output];
                    if (heads[h].Weight != 0)
                    {
                        var l = Losses.Loss(heads[h], logits, target) * heads[h].Weight;
                        loss = loss is null ? l : loss + l;
                    }
                    using (no_grad()) correct[h] += Losses.Correct(heads[h], logits, target).sum().item<long>();
                }
                if (loss is null) throw new InvalidOperationException("CachedHeadTrainer: every head has weight 0; nothing to train.");
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * idx.shape[0];
            }
            var trainMetrics = new Dictionary<string, double> { ["loss"] = lossSum / n };
            for (int h = 0; h < heads.Count; h++) trainMetrics[$"{heads[h].Output}/accuracy"] = correct[h] / (double)n;
            var valMetrics = Evaluate(head, validation, heads);
            var metrics = new EpochMetrics(epoch, stage.LearningRate, trainMetrics["loss"], trainMetrics, valMetrics, epochClock.Elapsed);
            history.Add(metrics);
            if (valMetrics[selection] > bestScore)
            {
                bestScore = valMetrics[selection];
                bestEpoch = epoch;
                if (best is not null) foreach (var t in best.Values) t.Dispose();
                using (no_grad()) best = head.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            }
            logger.LogInformation("Stage 2 epoch {Epoch}/{Epochs}: loss {Loss:F4}, validation {Metric} {Score:F4}, {Seconds:F2}s",
                epoch, stage.Epochs, metrics.TrainLoss, selection, valMetrics[selection], metrics.Duration.TotalSeconds);
        }
        if (best is not null)
        {
            using (no_grad()) foreach (var (k, v) in head.state_dict()) v.copy_(best[k]);
            foreach (var t in best.Values) t.Dispose();
        }
        return new TrainingResult(history, bestEpoch, selection, clock.Elapsed, 0, 0, 0);
    }

    /// <summary>Loss and accuracy per head on cached features (evaluation mode, no autograd).</summary>
    public static Dictionary<string, double> Evaluate(BilateralHead head, FeatureCache data, IReadOnlyList<HeadSpec> heads)
    {
        bool wasTraining = head.training;
        head.eval();
        var result = new Dictionary<string, double>();
        double total = 0;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var outputs = head.call(data.Left, data.Right);
            foreach (var h in heads)
            {
                var target = data.Labels[h.Label];
                double loss = Losses.Loss(h, outputs[h.Output], target).item<float>();
                result[$"{h.Output}/loss"] = loss;
                result[$"{h.Output}/accuracy"] = Losses.Correct(h, outputs[h.Output], target).to(ScalarType.Float64).mean().item<double>();
                total += h.Weight * loss;
            }
        }
        if (wasTraining) head.train();
        result["loss"] = total;
        return result;
    }
}
