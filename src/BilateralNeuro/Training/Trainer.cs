using System.Diagnostics;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// The one training loop of the library: the only place where a loss meets an optimiser. What varies between papers
/// is a hook of a <see cref="TrainingRun"/> (batch source, objective, parameter groups, selection, callbacks); the loop
/// owns steps in their own dispose scopes, gradient clipping, non-finite policies, validation-based model selection
/// (never the test set), atomic checkpoints that resume exactly, progress, logging, cancellation and the seeds of the
/// objective's generator (derived through <see cref="StableSeed"/>).
/// </summary>
public sealed class Trainer
{
    private const long GeneratorSalt = 0x0b7ec7;
    private const long EvaluationSalt = 0xe7a1;
    private readonly TrainerOptions options;
    private readonly ILogger logger;

    /// <summary>Creates a trainer; the options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public Trainer(TrainerOptions options, ILogger? logger = null)
    {
        this.options = TrainerOptionsValidator.Check(options ?? throw new ArgumentNullException(nameof(options)));
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The validated options.</summary>
    public TrainerOptions Options => options;

    /// <summary>Trains the trainable parameters of <paramref name="model"/> (those with requires_grad) on weighted head losses.</summary>
    /// <param name="model">A module mapping images to named outputs (see <see cref="SingleHead"/> for plain modules).</param>
    /// <param name="train">Training batches (augmented).</param>
    /// <param name="validation">Validation batches carved from the training set, or null.</param>
    /// <param name="heads">Outputs, labels and loss weights.</param>
    /// <param name="progress">Receives step and epoch reports.</param>
    /// <param name="cancellationToken">Stops after the current step; the last epoch checkpoint stays valid.</param>
    public TrainingResult Fit(nn.Module<Tensor, Dictionary<string, Tensor>> model, BatchSource train, BatchSource? validation,
        IReadOnlyList<HeadSpec> heads, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        return Fit(new TrainingRun { Model = model, Objective = new HeadObjective(model, heads), Train = train, Validation = validation }, progress, cancellationToken);
    }

    /// <summary>Runs a training run: every epoch's steps, validation, selection and checkpoint.</summary>
    /// <param name="run">The hooks: model, objective, batches, parameter groups, selection, callbacks.</param>
    /// <param name="progress">Receives step and epoch reports.</param>
    /// <param name="cancellationToken">Stops after the current step; the last epoch checkpoint stays valid.</param>
    /// <exception cref="ArgumentException">The data does not fit the objective (missing label level, labels beyond a head's size), or nothing is trainable.</exception>
    public TrainingResult Fit(TrainingRun run, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var model = run.Model;
        var objective = run.Objective;
        var train = run.Train;
        var validation = run.Validation;
        objective.Check(train);
        if (validation is not null) objective.Check(validation);
        var groups = run.Groups ?? [new ParameterGroup("parameters", model.parameters().Where(p => p.requires_grad).ToList(), OptimizerSettings.From(options))];
        if (groups.Count == 0 || groups.All(g => g.Parameters.Count == 0))
            throw new ArgumentException("Trainer: the model has no trainable parameters (all are frozen).", nameof(run));
        groups = groups.Where(g => g.Parameters.Count > 0).ToList();
        var optimizers = groups.Select(g => g.Optimizer.Create(g.Parameters)).ToList();
        var clipped = ClipOrder(model, groups);
        var selection = run.Selection ?? Selection.Metric(options.SelectionMetric ?? objective.PrimaryMetric
            ?? throw new ArgumentException("Trainer: the objective has no primary metric; set a Selection or TrainerOptions.SelectionMetric.", nameof(run)));
        var clock = Stopwatch.StartNew();

        var history = new List<EpochMetrics>();
        int startEpoch = 0, bestEpoch = 0, skipped = 0, rollBacks = 0;
        double bestScore = double.NegativeInfinity, lrScale = 1.0;
        Dictionary<string, Tensor>? best = null;
        string? checkpointPath = options.CheckpointDirectory is null ? null : Path.Combine(options.CheckpointDirectory, "checkpoint.bnck");
        string? bestPath = options.CheckpointDirectory is null ? null : Path.Combine(options.CheckpointDirectory, "best.weights");
        using var generator = new Generator((ulong)StableSeed.Of(options.Seed, 0, GeneratorSalt));

        try
        {
            if (checkpointPath is not null && options.Resume)
            {
                var state = Checkpoint.TryLoad(checkpointPath, model, optimizers,
                    msg => logger.LogWarning("Skipping unusable checkpoint: {Message}", msg));
                if (state is not null)
                {
                    startEpoch = state.Epoch;
                    bestEpoch = state.BestEpoch;
                    bestScore = state.BestScore;
                    history.AddRange(state.History);
                    skipped = state.SkippedBatches;
                    rollBacks = state.RollBacks;
                    lrScale = state.LearningRate / Math.Max(1e-300, groups[0].Optimizer.RateAt(Math.Max(0, startEpoch - 1), options.Epochs));
                    logger.LogInformation("Resumed from {Path} after epoch {Epoch}", checkpointPath, startEpoch);
                }
            }
            else if (checkpointPath is not null) Directory.CreateDirectory(options.CheckpointDirectory!);

            int steps = train.BatchesPerEpoch;
            string? primary = objective.PrimaryMetric;
            for (int epoch = startEpoch + 1; epoch <= options.Epochs && !selection.Reached(bestScore); epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                double lr = SetRates(optimizers, groups, epoch - 1, lrScale);
                model.train();
                generator.manual_seed(StableSeed.Of(options.Seed, epoch, GeneratorSalt));
                Dictionary<string, Tensor>? rollBackPoint = options.NonFinite == NonFinitePolicy.RollBack ? Snapshot(model) : null;
                double lossSum = 0;
                long seen = 0;
                var sums = new Dictionary<string, (double Sum, double Weight)>();
                int step = 0;
                foreach (var indices in train.IndexBatches(epoch))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    step++;
                    using var scope = NewDisposeScope();
                    var batch = train.Load(indices, augment: run.Augment);
                    var context = new StepContext
                    {
                        Epoch = epoch, Epochs = options.Epochs, Step = step, StepsPerEpoch = steps,
                        GlobalStep = (long)(epoch - 1) * steps + step, Training = true, Generator = generator,
                    };
                    var result = objective.Compute(batch, context);
                    var loss = result.Loss;
                    foreach (var o in optimizers) o.zero_grad();
                    float lossValue = loss.item<float>();
                    bool finite = float.IsFinite(lossValue);
                    if (finite)
                    {
                        loss.backward();
                        // The global gradient norm is computed only when clipping (it costs a pass over every gradient).
                        // Without clipping, a non-finite gradient makes the weights, and so the next step's loss, non-finite,
                        // which the loss check catches one step later.
                        if (options.GradientClipNorm is { } maxNorm)
                        {
                            finite = double.IsFinite(nn.utils.clip_grad_norm_(clipped, maxNorm));
                            if (!finite) lossValue = float.NaN;
                        }
                    }
                    if (!finite)
                    {
                        string what = float.IsFinite(loss.item<float>()) ? "the gradient norm" : "the loss";
                        switch (options.NonFinite)
                        {
                            case NonFinitePolicy.Stop:
                                throw new NonFiniteLossException(epoch, step, what);
                            case NonFinitePolicy.SkipBatch:
                                skipped++;
                                foreach (var o in optimizers) o.zero_grad();
                                logger.LogWarning("Skipped batch {Step} of epoch {Epoch}: {What} is not finite", step, epoch, what);
                                continue;
                            case NonFinitePolicy.RollBack:
                                rollBacks++;
                                Restore(model, rollBackPoint!);
                                foreach (var o in optimizers) o.zero_grad();
                                lrScale *= 0.5;
                                lr = SetRates(optimizers, groups, epoch - 1, lrScale);
                                logger.LogWarning("Rolled back to the start of epoch {Epoch} and halved the learning rate to {Rate} ({What} not finite at step {Step})", epoch, lr, what, step);
                                continue;
                        }
                    }
                    foreach (var o in optimizers) o.step();
                    lossSum += lossValue * batch.Size;
                    seen += batch.Size;
                    foreach (var (k, v) in result.Metrics)
                    {
                        var (s, w) = sums.GetValueOrDefault(k);
                        sums[k] = (s + v.Sum, w + v.Weight);
                    }
                    if (run.Callbacks.Count > 0)
                    {
                        var report = new StepReport(epoch, options.Epochs, step, steps, lossValue, result.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value.Value));
                        foreach (var c in run.Callbacks) c.OnStep(report);
                    }
                    if (progress is not null && step % options.ProgressEvery == 0)
                        progress.Report(new TrainingProgress(epoch, options.Epochs, step, steps, lossSum / Math.Max(1, seen), Primary(sums, primary), null));
                }

                var trainMetrics = new Dictionary<string, double> { ["loss"] = lossSum / Math.Max(1, seen) };
                foreach (var (k, (s, w)) in sums) trainMetrics[k] = w > 0 ? s / w : double.NaN;
                objective.Summarize(trainMetrics);
                bool validate = validation is not null && (epoch % options.ValidateEvery == 0 || epoch == options.Epochs);
                var valMetrics = validate ? Evaluate(model, objective, validation!, options.Seed) : new Dictionary<string, double>();
                var metrics = new EpochMetrics(epoch, lr, trainMetrics["loss"], trainMetrics, valMetrics, epochClock.Elapsed);
                history.Add(metrics);
                if (rollBackPoint is not null) foreach (var t in rollBackPoint.Values) t.Dispose();
                foreach (var c in run.Callbacks) c.OnEpoch(metrics);

                if (validate)
                {
                    double score = selection.Score(valMetrics);
                    if (score > bestScore)
                    {
                        bestScore = score;
                        bestEpoch = epoch;
                        if (options.RestoreBest)
                        {
                            if (bestPath is not null) AtomicFile.Write(bestPath, s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, true); model.save(w); });
                            else { Dispose(best); best = Snapshot(model); }
                        }
                    }
                }
                else if (validation is null) bestEpoch = epoch;

                logger.Log(options.EpochLogLevel, "Epoch {Epoch}/{Epochs}: train {Train}; validation {Validation}; lr {Rate:G3}; {Seconds:F1}s",
                    epoch, options.Epochs, Format(trainMetrics), Format(valMetrics), lr, metrics.Duration.TotalSeconds);
                progress?.Report(new TrainingProgress(epoch, options.Epochs, steps, steps, metrics.TrainLoss, primary is null ? double.NaN : trainMetrics.GetValueOrDefault(primary, double.NaN), metrics));
                if (checkpointPath is not null)
                    Checkpoint.Save(checkpointPath, new CheckpointState(epoch, lr, bestEpoch, bestScore, history, skipped, rollBacks), model, optimizers);
                if (selection.Reached(bestScore))
                    logger.LogInformation("Stopped after epoch {Epoch}: validation {Metric} = {Score:F4} reached the target {Target}", epoch, selection.Name, bestScore, selection.Target);
            }

            if (validation is not null && options.RestoreBest && bestEpoch > 0)
            {
                if (bestPath is not null && File.Exists(bestPath)) { using var r = new BinaryReader(File.OpenRead(bestPath)); model.load(r); }
                else if (best is not null) Restore(model, best);
                logger.LogInformation("Restored the weights of epoch {Epoch} (best validation {Metric} = {Score:F4})", bestEpoch, selection.Name, bestScore);
            }
        }
        finally
        {
            Dispose(best);
            foreach (var o in optimizers) o.Dispose();
        }
        return new TrainingResult(history, bestEpoch, selection.Name, clock.Elapsed, startEpoch, skipped, rollBacks);
    }

    /// <summary>Loss and accuracy per head over a whole set, in eval mode without autograd.</summary>
    public static Dictionary<string, double> Evaluate(nn.Module<Tensor, Dictionary<string, Tensor>> model, BatchSource data, IReadOnlyList<HeadSpec> heads)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Evaluate(model, new HeadObjective(model, heads), data);
    }

    /// <summary>
    /// The objective's metrics (and <c>loss</c>) over a whole set in evaluation mode without autograd; the objective's
    /// generator is seeded from <paramref name="seed"/> through <see cref="StableSeed"/>, the same for every call.
    /// </summary>
    public static Dictionary<string, double> Evaluate(nn.Module model, ITrainingObjective objective, IBatchSource data, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.training;
        model.eval();
        using var generator = new Generator((ulong)StableSeed.Of(seed, 0, EvaluationSalt));
        var sums = new Dictionary<string, (double Sum, double Weight)>();
        double lossSum = 0;
        long seen = 0;
        int step = 0;
        try
        {
            using var _ = no_grad();
            foreach (var indices in data.IndexBatches(0))
            {
                using var scope = NewDisposeScope();
                var batch = data.Load(indices, augment: false);
                var result = objective.Compute(batch, new StepContext { Step = ++step, StepsPerEpoch = data.BatchesPerEpoch, Training = false, Generator = generator });
                lossSum += result.Loss.item<float>() * batch.Size;
                seen += batch.Size;
                foreach (var (k, v) in result.Metrics)
                {
                    var (s, w) = sums.GetValueOrDefault(k);
                    sums[k] = (s + v.Sum, w + v.Weight);
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        var metrics = sums.ToDictionary(kv => kv.Key, kv => kv.Value.Weight > 0 ? kv.Value.Sum / kv.Value.Weight : double.NaN);
        metrics["loss"] = lossSum / Math.Max(1, seen);
        objective.Summarize(metrics);
        return metrics;
    }

    /// <summary>All outputs of the model over a set, concatenated on the CPU (eval mode, no autograd).</summary>
    public static Dictionary<string, Tensor> Predict(nn.Module<Tensor, Dictionary<string, Tensor>> model, BatchSource data)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Predict(model, data, b => model.call(b.Images));
    }

    /// <summary>
    /// The one prediction routine: <paramref name="forward"/> over every batch of <paramref name="data"/> in order, with
    /// <paramref name="model"/> in evaluation mode and no autograd, each output detached and concatenated.
    /// </summary>
    /// <param name="model">The module behind <paramref name="forward"/> (put in eval mode for the pass).</param>
    /// <param name="data">Batches in order (a shuffling source is refused: rows would not match the set).</param>
    /// <param name="forward">Named outputs of a batch.</param>
    /// <param name="toCpu">Concatenate on the CPU (default) or where the outputs are.</param>
    public static Dictionary<string, Tensor> Predict(nn.Module model, IBatchSource data, Func<Batch, IReadOnlyDictionary<string, Tensor>> forward, bool toCpu = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(forward);
        if (data.Shuffle)
            throw new ArgumentException($"Trainer.Predict: the batch source of '{data.Name}' shuffles; predictions must come in the set's order (create it with shuffle: false).", nameof(data));
        bool wasTraining = model.training;
        model.eval();
        var parts = new Dictionary<string, List<Tensor>>();
        try
        {
            using (no_grad())
            {
                foreach (var indices in data.IndexBatches(0))
                {
                    using var scope = NewDisposeScope();
                    var batch = data.Load(indices, augment: false);
                    foreach (var (k, v) in forward(batch))
                    {
                        if (!parts.TryGetValue(k, out var list)) parts[k] = list = new List<Tensor>();
                        list.Add((toCpu ? v.detach().cpu() : v.detach()).DetachFromDisposeScope());
                    }
                }
            }
            return parts.ToDictionary(kv => kv.Key, kv => torch.cat(kv.Value, 0));
        }
        finally
        {
            foreach (var t in parts.Values.SelectMany(l => l)) t.Dispose();
            if (wasTraining) model.train();
        }
    }

    private double SetRates(List<OptimizerHelper> optimizers, IReadOnlyList<ParameterGroup> groups, int epochIndex, double scale)
    {
        for (int i = 0; i < optimizers.Count; i++)
        {
            double rate = groups[i].Optimizer.RateAt(epochIndex, options.Epochs, scale);
            foreach (var g in optimizers[i].ParamGroups) g.LearningRate = rate;
        }
        return groups[0].Optimizer.RateAt(epochIndex, options.Epochs, scale);
    }

    private static List<Parameter> ClipOrder(nn.Module model, IReadOnlyList<ParameterGroup> groups)
    {
        // Clip in the model's parameter order (the norm's summation order), then anything not in the model.
        var all = groups.SelectMany(g => g.Parameters).ToList();
        var members = new HashSet<IntPtr>(all.Select(p => p.Handle));
        var ordered = model.parameters().Where(p => members.Remove(p.Handle)).ToList();
        ordered.AddRange(all.Where(p => members.Remove(p.Handle)));
        return ordered;
    }

    private static double Primary(Dictionary<string, (double Sum, double Weight)> sums, string? primary) =>
        primary is not null && sums.TryGetValue(primary, out var v) && v.Weight > 0 ? v.Sum / v.Weight : double.NaN;

    private static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().MoveToOuterDisposeScope());
    }

    private static void Restore(nn.Module model, Dictionary<string, Tensor> snapshot)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (k, v) in model.state_dict()) v.copy_(snapshot[k]);
    }

    private static void Dispose(Dictionary<string, Tensor>? state)
    {
        if (state is null) return;
        foreach (var t in state.Values) t.Dispose();
    }

    private static string Format(IReadOnlyDictionary<string, double> m) =>
        m.Count == 0 ? "-" : string.Join(", ", m.Select(kv => $"{kv.Key} {kv.Value:F4}"));
}
