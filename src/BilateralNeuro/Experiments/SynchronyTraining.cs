using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Experiments;

/// <summary>Options of <see cref="SynchronyTraining"/>; defaults are the reference training setup.</summary>
public sealed class SynchronyTrainingOptions
{
    /// <summary>Epochs (30).</summary>
    public int Epochs { get; set; } = 30;
    /// <summary>Batch size (256).</summary>
    public int BatchSize { get; set; } = 256;
    /// <summary>Adam learning rate (1e-2).</summary>
    public double LearningRate { get; set; } = 1e-2;
    /// <summary>Global gradient-norm clip (2).</summary>
    public double GradientClip { get; set; } = 2;
    /// <summary>Weight of the synchrony loss for Kuramoto models (1).</summary>
    public double SynchronyWeight { get; set; } = 1;
    /// <summary>Seed of data order and phases.</summary>
    public int Seed { get; set; }
}

/// <summary>Metrics of a model on a multi-object set.</summary>
/// <param name="ExactMatch">Fraction of images whose top-k labels are exactly the k objects present.</param>
/// <param name="LabelAccuracy">Per-label binary accuracy (logit &gt; 0 vs label), averaged over labels and images.</param>
/// <param name="F1">Micro F1 of the binary label decisions.</param>
/// <param name="ExactMatchPerStep">Exact match after every timestep (one entry for non-recurrent models).</param>
/// <param name="Coherence">Mean within-object phase coherence (NaN without phases).</param>
/// <param name="Separation">Mean between-object phase separation (NaN without phases).</param>
public sealed record SynchronyMetrics(double ExactMatch, double LabelAccuracy, double F1, IReadOnlyList<double> ExactMatchPerStep, double Coherence, double Separation);

/// <summary>One epoch of <see cref="SynchronyTraining.Fit"/>.</summary>
public sealed record SynchronyEpoch(int Epoch, double TrainLoss, double ValidationExactMatch, TimeSpan Duration);

/// <summary>Result of <see cref="SynchronyTraining.Fit"/>.</summary>
public sealed record SynchronyFitResult(IReadOnlyList<SynchronyEpoch> History, int BestEpoch, double BestValidationExactMatch, TimeSpan Elapsed);

/// <summary>
/// Training loop for multi-object models that need the object masks: for <see cref="KomplexNet"/> the loss is the
/// multi-label BCE averaged over timesteps plus the synchrony loss of the last step's phases (Kuramoto models); for
/// any other <c>Module&lt;Tensor, Dictionary&lt;string, Tensor&gt;&gt;</c> the BCE of its <c>labels</c> output. Adam,
/// gradient clipping, every step in its own dispose scope, the best epoch by validation exact match restored.
/// </summary>
public static class SynchronyTraining
{
    private static readonly HeadSpec Head = new("labels", "labels", Loss: HeadLoss.MultiLabel);

    /// <summary>Trains <paramref name="model"/> and restores its best validation epoch.</summary>
    /// <param name="model">A KomplexNet or any model with a multi-label <c>labels</c> output.</param>
    /// <param name="train">Composed training images with masks.</param>
    /// <param name="validation">Composed validation images (model selection by exact match).</param>
    /// <param name="options">Training options.</param>
    /// <param name="logger">Receives one line per epoch.</param>
    /// <param name="cancellationToken">Stops after the current step.</param>
    /// <param name="progress">Receives a report after every step (loss of the epoch so far; accuracy is reported as NaN within an epoch and as validation exact match at its end).</param>
    public static SynchronyFitResult Fit(nn.Module<Tensor, Dictionary<string, Tensor>> model, MultiObjectSet train, MultiObjectSet validation,
        SynchronyTrainingOptions options, ILogger? logger = null, CancellationToken cancellationToken = default, IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 1 || options.BatchSize < 1 || !(options.LearningRate > 0) || !(options.GradientClip > 0))
            throw new ArgumentException("SynchronyTraining: epochs, batch size, learning rate and gradient clip must be positive.", nameof(options));
        logger ??= NullLogger.Instance;
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.Adam(parameters, options.LearningRate);
        var clock = Stopwatch.StartNew();
        var history = new List<SynchronyEpoch>();
        Dictionary<string, Tensor>? best = null;
        double bestScore = double.NegativeInfinity;
        int bestEpoch = 0;
        var generator = new Generator((ulong)options.Seed);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var sw = Stopwatch.StartNew();
            model.train();
            var order = Enumerable.Range(0, (int)train.Count).Select(i => (long)i).ToArray();
            new Random(Core.StableSeed.Of(options.Seed, epoch)).Shuffle(order);
            double lossSum = 0;
            long seen = 0;
            int steps = (order.Length + options.BatchSize - 1) / options.BatchSize, step = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var idx = torch.tensor(order[start..Math.Min(order.Length, start + options.BatchSize)]);
                var x = train.Images.index_select(0, idx);
                var y = train.Labels.index_select(0, idx);
                var m = train.Masks.index_select(0, idx);
                var loss = Loss(model, x, y, m, options.SynchronyWeight, generator);
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, options.GradientClip);
                optimizer.step();
                lossSum += loss.item<float>() * x.shape[0];
                seen += x.shape[0];
                progress?.Report(new TrainingProgress(epoch, options.Epochs, ++step, steps, lossSum / seen, double.NaN, null));
            }
            var val = Evaluate(model, validation, options.BatchSize, phaseMetrics: false, seed: options.Seed);
            history.Add(new SynchronyEpoch(epoch, lossSum / Math.Max(1, seen), val.ExactMatch, sw.Elapsed));
            progress?.Report(new TrainingProgress(epoch, options.Epochs, steps, steps, lossSum / Math.Max(1, seen), val.ExactMatch, null));
            logger.LogInformation("Epoch {Epoch}/{Epochs}: loss {Loss:F4}, validation exact match {Val:F4}, {Seconds:F1}s", epoch, options.Epochs, lossSum / Math.Max(1, seen), val.ExactMatch, sw.Elapsed.TotalSeconds);
            if (val.ExactMatch > bestScore)
            {
                bestScore = val.ExactMatch;
                bestEpoch = epoch;
                if (best is not null) foreach (var t in best.Values) t.Dispose();
                using (no_grad()) best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            }
        }
        if (best is not null)
        {
            using (no_grad()) foreach (var (k, v) in model.state_dict()) v.copy_(best[k]);
            foreach (var t in best.Values) t.Dispose();
        }
        return new SynchronyFitResult(history, bestEpoch, bestScore, clock.Elapsed);
    }

    /// <summary>The training loss of one batch (see the class summary).</summary>
    public static Tensor Loss(nn.Module<Tensor, Dictionary<string, Tensor>> model, Tensor images, Tensor labels, Tensor masks, double synchronyWeight, Generator? generator = null)
    {
        if (model is not KomplexNet net) return Losses.Loss(Head, model.call(images)["labels"], labels);
        using var scope = NewDisposeScope();
        var run = net.Run(images, masks, generator: generator);
        var loss = torch.stack(run.Logits.Select(l => Losses.Loss(Head, l, labels)).ToArray()).mean();
        if (net.Oscillators is not null && synchronyWeight > 0)
            loss = loss + synchronyWeight * SynchronyLoss.Compute(run.Phases, run.Amplitude, masks).Loss;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Metrics over a whole set (eval mode, no autograd).</summary>
    public static SynchronyMetrics Evaluate(nn.Module<Tensor, Dictionary<string, Tensor>> model, MultiObjectSet data, int batchSize = 256, bool phaseMetrics = true, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.training;
        model.eval();
        var generator = new Generator((ulong)(seed + 7919));
        long n = data.Count, tp = 0, fp = 0, fn = 0, labelCorrect = 0;
        long[]? stepCorrect = null;
        double coherence = 0, separation = 0;
        using (no_grad())
        {
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long len = Math.Min(batchSize, n - start);
                var x = data.Images.narrow(0, start, len);
                var y = data.Labels.narrow(0, start, len);
                var m = data.Masks.narrow(0, start, len);
                IReadOnlyList<Tensor> steps;
                if (model is KomplexNet net)
                {
                    var run = net.Run(x, m, generator: generator);
                    steps = run.Logits;
                    if (phaseMetrics)
                    {
                        var (c, s) = PhaseMetrics.Compute(run.Phases, run.Amplitude, m);
                        coherence += c.sum().item<float>();
                        separation += s.sum().item<float>();
                    }
                }
                else steps = [model.call(x)["labels"]];
                stepCorrect ??= new long[steps.Count];
                for (int t = 0; t < steps.Count; t++) stepCorrect[t] += Losses.Correct(Head, steps[t], y).sum().item<long>();
                var predicted = steps[^1].gt(0);
                var truth = y.gt(0.5);
                labelCorrect += predicted.eq(truth).sum().item<long>();
                tp += (predicted & truth).sum().item<long>();
                fp += (predicted & truth.logical_not()).sum().item<long>();
                fn += (predicted.logical_not() & truth).sum().item<long>();
            }
        }
        if (wasTraining) model.train();
        var perStep = stepCorrect!.Select(c => c / (double)n).ToArray();
        bool phases = phaseMetrics && model is KomplexNet;
        return new SynchronyMetrics(perStep[^1], labelCorrect / (double)(n * data.Labels.shape[1]), 2.0 * tp / Math.Max(1, 2 * tp + fp + fn), perStep,
            phases ? coherence / n : double.NaN, phases ? separation / n : double.NaN);
    }
}
