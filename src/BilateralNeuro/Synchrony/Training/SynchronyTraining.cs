using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony.Training;

/// <summary>Options of <see cref="SynchronyTraining"/>; defaults are the reference training setup (Adam, clipping, constant rate).</summary>
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
/// Training of multi-object models that need the object masks, as one <see cref="Trainer"/> run over a
/// <see cref="MultiObjectSource"/>: for <see cref="KomplexNet"/> the loss is the multi-label BCE averaged over timesteps
/// (metric <c>classification</c>) plus the synchrony loss of the last step's phases (metric <c>synchrony</c>, Kuramoto
/// models); for any other <c>Module&lt;Tensor, Dictionary&lt;string, Tensor&gt;&gt;</c> the BCE of its <c>labels</c>
/// output. Adam, gradient clipping, the best epoch by validation exact match restored.
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
    /// <param name="progress">Receives a report after every step and at each epoch end (accuracy: exact match of the epoch's training batches so far).</param>
    /// <param name="callbacks">Further observers of steps and epochs (e.g. a metrics writer).</param>
    public static SynchronyFitResult Fit(nn.Module<Tensor, Dictionary<string, Tensor>> model, MultiObjectSet train, MultiObjectSet validation,
        SynchronyTrainingOptions options, ILogger? logger = null, CancellationToken cancellationToken = default, IProgress<TrainingProgress>? progress = null,
        IReadOnlyList<ITrainingCallback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 1 || options.BatchSize < 1 || !(options.LearningRate > 0) || !(options.GradientClip > 0))
            throw new ArgumentException($"SynchronyTraining: epochs, batch size, learning rate and gradient clip must be positive (got {options.Epochs}, {options.BatchSize}, {options.LearningRate}, {options.GradientClip}).", nameof(options));
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, Optimizer = OptimizerKind.Adam, LearningRate = options.LearningRate,
            GradientClipNorm = options.GradientClip, Seed = options.Seed, ProgressEvery = 1, SelectionMetric = Objective.ExactMatch,
        }, logger);
        var result = trainer.Fit(new TrainingRun
        {
            Model = model,
            Objective = new Objective(model, options.SynchronyWeight, phaseMetrics: false),
            Train = new MultiObjectSource(train, options.BatchSize, shuffle: true, seed: options.Seed),
            Validation = new MultiObjectSource(validation, options.BatchSize, shuffle: false, seed: options.Seed),
            Callbacks = callbacks ?? [],
        }, progress, cancellationToken);
        var history = result.History.Select(e => new SynchronyEpoch(e.Epoch, e.TrainLoss, e.Validation[Objective.ExactMatch], e.Duration)).ToList();
        return new SynchronyFitResult(history, result.BestEpoch, result.BestValidation.GetValueOrDefault(Objective.ExactMatch, double.NaN), result.Elapsed);
    }

    /// <summary>The training loss of one batch (see the class summary).</summary>
    public static Tensor Loss(nn.Module<Tensor, Dictionary<string, Tensor>> model, Tensor images, Tensor labels, Tensor masks, double synchronyWeight, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var (classification, synchrony, _, _) = Terms(model, images, labels, masks, synchronyWeight, generator);
        var loss = synchrony is null ? classification : classification + synchronyWeight * synchrony;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Metrics over a whole set (eval mode, no autograd), through <see cref="Trainer.Evaluate(nn.Module, ITrainingObjective, IBatchSource, int)"/>.</summary>
    public static SynchronyMetrics Evaluate(nn.Module<Tensor, Dictionary<string, Tensor>> model, MultiObjectSet data, int batchSize = 256, bool phaseMetrics = true, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var m = Trainer.Evaluate(model, new Objective(model, 0, phaseMetrics), new MultiObjectSource(data, batchSize, shuffle: false, seed: seed), seed);
        var perStep = Enumerable.Range(0, int.MaxValue).TakeWhile(t => m.ContainsKey($"{Objective.ExactMatch}@{t}")).Select(t => m[$"{Objective.ExactMatch}@{t}"]).ToArray();
        double tp = m["tp"], fp = m["fp"], fn = m["fn"];
        bool phases = phaseMetrics && model is KomplexNet;
        double f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
        return new SynchronyMetrics(m[Objective.ExactMatch], m["labels/bit-accuracy"], f1, perStep, phases ? m["coherence"] : double.NaN, phases ? m["separation"] : double.NaN);
    }

    private static (Tensor Classification, Tensor? Synchrony, IReadOnlyList<Tensor> Steps, KomplexRun? Run) Terms(nn.Module<Tensor, Dictionary<string, Tensor>> model,
        Tensor images, Tensor labels, Tensor masks, double synchronyWeight, Generator? generator)
    {
        if (model is not KomplexNet net)
        {
            var logits = model.call(images)["labels"];
            return (Losses.Loss(Head, logits, labels), null, [logits], null);
        }
        var run = net.Run(images, masks, generator: generator);
        var classification = torch.stack(run.Logits.Select(l => Losses.Loss(Head, l, labels)).ToArray()).mean();
        var synchrony = net.Oscillators is not null && synchronyWeight > 0 ? SynchronyLoss.Compute(run.Phases, run.Amplitude, masks).Loss : null;
        return (classification, synchrony, run.Logits, run);
    }

    /// <summary>
    /// BCE averaged over time steps plus the weighted synchrony loss; metrics: <c>classification</c>, <c>synchrony</c>
    /// (Kuramoto models), exact match (<c>labels/exact</c>, and per step in evaluation), label accuracy, true/false
    /// positives and negatives, and phase coherence/separation when asked.
    /// </summary>
    private sealed class Objective(nn.Module<Tensor, Dictionary<string, Tensor>> model, double synchronyWeight, bool phaseMetrics) : ITrainingObjective
    {
        public const string ExactMatch = "labels/exact";

        public string? PrimaryMetric => ExactMatch;

        public void Check(IBatchSource source)
        {
            if (!source.Labels.TryGetValue(MultiObjectSource.LabelLevel, out var labels) || labels.dim() != 2)
                throw new ArgumentException($"SynchronyTraining: '{source.Name}' needs k-hot labels (N, classes) under '{MultiObjectSource.LabelLevel}'.", nameof(source));
        }

        public ObjectiveResult Compute(Batch batch, StepContext context)
        {
            var y = batch.Labels[MultiObjectSource.LabelLevel];
            var masks = batch.Input(MultiObjectSource.MasksInput);
            var (classification, synchrony, steps, run) = Terms(model, batch.Images, y, masks, synchronyWeight, context.Generator);
            var loss = synchrony is null ? classification : classification + synchronyWeight * synchrony;
            long n = batch.Size;
            var metrics = new Dictionary<string, MetricValue> { ["classification"] = MetricValue.Mean(classification.item<float>(), n) };
            if (synchrony is not null) metrics["synchrony"] = MetricValue.Mean(synchrony.item<float>(), n);
            using var _ = no_grad();
            metrics[ExactMatch] = MetricValue.Fraction(Losses.Correct(Head, steps[^1], y).sum().item<long>(), n);
            if (context.Training) return new ObjectiveResult(loss, metrics);
            for (int t = 0; t < steps.Count; t++) metrics[$"{ExactMatch}@{t}"] = MetricValue.Fraction(Losses.Correct(Head, steps[t], y).sum().item<long>(), n);
            var predicted = steps[^1].gt(0);
            var truth = y.gt(0.5);
            metrics["labels/bit-accuracy"] = new(predicted.eq(truth).sum().item<long>(), n * y.shape[1]);
            metrics["tp"] = MetricValue.Fraction((predicted & truth).sum().item<long>(), n);
            metrics["fp"] = MetricValue.Fraction((predicted & truth.logical_not()).sum().item<long>(), n);
            metrics["fn"] = MetricValue.Fraction((predicted.logical_not() & truth).sum().item<long>(), n);
            if (phaseMetrics && run is not null)
            {
                var (c, s) = PhaseMetrics.Compute(run.Phases, run.Amplitude, masks);
                metrics["coherence"] = new(c.sum().item<float>(), n);
                metrics["separation"] = new(s.sum().item<float>(), n);
            }
            return new ObjectiveResult(loss, metrics);
        }
    }
}
