using System.Diagnostics;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Attention;

/// <summary>
/// Trains a <see cref="TransferModel"/>'s trainable suffix (attention, classifier) on cached frozen features: Adam
/// (or the optimiser in <see cref="TrainerOptions"/>), seeded shuffles, cross-entropy on one label level, model
/// selection on a validation split of the training set. Same result type as the shared <see cref="Trainer"/>.
/// </summary>
public sealed class CachedTransferTrainer
{
    private readonly TrainerOptions options;
    private readonly ILogger logger;

    /// <summary>Creates the trainer (options validated).</summary>
    public CachedTransferTrainer(TrainerOptions options, ILogger? logger = null)
    {
        this.options = TrainerOptionsValidator.Check(options ?? throw new ArgumentNullException(nameof(options)));
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Fits the suffix; restores the best validation epoch when asked.</summary>
    public TrainingResult Fit(TransferModel model, CachedFeatures train, CachedFeatures? validation, string label)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (!train.Labels.ContainsKey(label)) throw new ArgumentException($"CachedTransferTrainer: no label level '{label}' in {train.Name}.", nameof(label));
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        var optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => (TorchSharp.Modules.OptimizerHelper)optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            _ => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        };
        var clock = Stopwatch.StartNew();
        var history = new List<EpochMetrics>();
        int bestEpoch = 0;
        double bestScore = double.NegativeInfinity;
        Dictionary<string, Tensor>? best = null;
        var device = parameters.Count > 0 ? parameters[0].device : CPU;
        var labels = train.Labels[label];
        string metric = $"{model.Head}/accuracy";
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            model.train();
            var order = Enumerable.Range(0, (int)train.Count).Select(i => (long)i).ToArray();
            new Random(HashCode.Combine(options.Seed, epoch)).Shuffle(order);
            double lossSum = 0;
            long correct = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var idx = torch.tensor(order[start..Math.Min(order.Length, start + options.BatchSize)]);
                var x = train.Features.index_select(0, idx).to(device);
                var y = labels.index_select(0, idx).to(device);
                var logits = model.ForwardTrainable(x);
                var loss = nn.functional.cross_entropy(logits, y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * idx.shape[0];
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
            var trainMetrics = new Dictionary<string, double> { ["loss"] = lossSum / train.Count, [metric] = correct / (double)train.Count };
            var valMetrics = new Dictionary<string, double>();
            if (validation is not null)
            {
                valMetrics[metric] = Accuracy(model, validation, label);
                if (valMetrics[metric] > bestScore)
                {
                    bestScore = valMetrics[metric];
                    bestEpoch = epoch;
                    if (options.RestoreBest) { Dispose(best); best = Snapshot(model); }
                }
            }
            else bestEpoch = epoch;
            history.Add(new EpochMetrics(epoch, options.LearningRate, trainMetrics["loss"], trainMetrics, valMetrics, epochClock.Elapsed));
            logger.LogDebug("Cached epoch {Epoch}: loss {Loss:F4}, train {Train:F3}, validation {Val}", epoch, trainMetrics["loss"], trainMetrics[metric],
                valMetrics.TryGetValue(metric, out var v) ? v.ToString("F3") : "-");
        }
        if (best is not null)
        {
            using (no_grad()) foreach (var (k, t) in model.state_dict()) t.copy_(best[k]);
            Dispose(best);
        }
        optimizer.Dispose();
        return new TrainingResult(history, bestEpoch, metric, clock.Elapsed, 0, 0, 0);
    }

    /// <summary>Logits of the model over cached features (eval mode, no autograd), on the CPU.</summary>
    public static Tensor Predict(TransferModel model, CachedFeatures data, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.training;
        model.eval();
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var parts = new List<Tensor>();
        using (no_grad())
            for (long start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var x = data.Features.narrow(0, start, Math.Min(batchSize, data.Count - start)).to(device);
                parts.Add(model.ForwardTrainable(x).cpu().DetachFromDisposeScope());
            }
        if (wasTraining) model.train();
        var all = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>Accuracy of the argmax against a label level.</summary>
    public static double Accuracy(TransferModel model, CachedFeatures data, string label)
    {
        using var logits = Predict(model, data);
        using var hits = logits.argmax(1).eq(data.Labels[label]);
        return hits.to(ScalarType.Float64).mean().item<double>();
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void Dispose(Dictionary<string, Tensor>? d)
    {
        if (d is null) return;
        foreach (var t in d.Values) t.Dispose();
    }
}
