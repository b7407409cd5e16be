using System.Diagnostics;
using BilateralNeuro.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// The one training loop every paper uses: several heads with weighted losses, Adam/AdamW/SGD, weight decay, cosine
/// or step schedules, gradient clipping, validation-based model selection (never the test set), per-head metrics,
/// non-finite policies, progress events, cancellation and atomic checkpoints that resume exactly. Every step runs
/// inside its own dispose scope.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions options;
    private readonly ILogger logger;

    /// <summary>Creates a trainer; the options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public Trainer(TrainerOptions options, ILogger<Trainer>? logger = null)
    {
        this.options = TrainerOptionsValidator.Check(options ?? throw new ArgumentNullException(nameof(options)));
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The validated options.</summary>
    public TrainerOptions Options => options;

    /// <summary>Trains the trainable parameters of <paramref name="model"/> (those with requires_grad).</summary>
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
        CheckHeads(heads, train.Data);
        if (validation is not null) CheckHeads(heads, validation.Data);
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        if (parameters.Count == 0)
            throw new ArgumentException("Trainer: the model has no trainable parameters (all are frozen).", nameof(model));
        var optimizer = CreateOptimizer(parameters);
        string selection = options.SelectionMetric ?? $"{heads[0].Output}/accuracy";
        var clock = Stopwatch.StartNew();

        var history = new List<EpochMetrics>();
        int startEpoch = 0, bestEpoch = 0, skipped = 0, rollBacks = 0;
        double bestScore = double.NegativeInfinity, lrScale = 1.0;
        Dictionary<string, Tensor>? best = null;
        string? checkpointPath = options.CheckpointDirectory is null ? null : Path.Combine(options.CheckpointDirectory, "checkpoint.bnck");
        string? bestPath = options.CheckpointDirectory is null ? null : Path.Combine(options.CheckpointDirectory, "best.weights");

        if (checkpointPath is not null && options.Resume)
        {
            var state = Checkpoint.TryLoad(checkpointPath, model, optimizer,
                msg => logger.LogWarning("Skipping unusable checkpoint: {Message}", msg));
            if (state is not null)
            {
                startEpoch = state.Epoch;
                bestEpoch = state.BestEpoch;
                bestScore = state.BestScore;
                history.AddRange(state.History);
                skipped = state.SkippedBatches;
                rollBacks = state.RollBacks;
                lrScale = state.LearningRate / Math.Max(1e-300, ScheduledRate(Math.Max(0, startEpoch - 1), 1.0));
                logger.LogInformation("Resumed from {Path} after epoch {Epoch}", checkpointPath, startEpoch);
            }
        }
        else if (checkpointPath is not null) Directory.CreateDirectory(options.CheckpointDirectory!);

        int steps = train.BatchesPerEpoch;
        for (int epoch = startEpoch + 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lr = ScheduledRate(epoch - 1, lrScale);
            SetRate(optimizer, lr);
            model.train();
            Dictionary<string, Tensor>? rollBackPoint = options.NonFinite == NonFinitePolicy.RollBack ? Snapshot(model) : null;
            double lossSum = 0;
            long seen = 0;
            var correct = new long[heads.Count];
            int step = 0;
            foreach (var indices in train.IndexBatches(epoch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                step++;
                using var scope = NewDisposeScope();
                var batch = train.Load(indices, augment: true);
                var outputs = model.call(batch.Images);
                Tensor? loss = null;
                for (int h = 0; h < heads.Count; h++)
                {
                    var head = heads[h];
                    if (!outputs.TryGetValue(head.Output, out var logits))
                        throw new InvalidOperationException($"Trainer: the model returned outputs [{string.Join(", ", outputs.Keys)}] but head '{head.Output}' was requested.");
                    var target = batch.Labels[head.Label];
                    if (head.Weight != 0)
                    {
                        var l = Losses.Loss(head, logits, target) * head.Weight;
                        loss = loss is null ? l : loss + l;
                    }
                    using (no_grad()) correct[h] += Losses.Correct(head, logits, target).sum().item<long>();
                }
                if (loss is null) throw new InvalidOperationException("Trainer: every head has weight 0; nothing to train.");
                optimizer.zero_grad();
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
                        finite = double.IsFinite(nn.utils.clip_grad_norm_(parameters, maxNorm));
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
                            optimizer.zero_grad();
                            logger.LogWarning("Skipped batch {Step} of epoch {Epoch}: {What} is not finite", step, epoch, what);
                            continue;
                        case NonFinitePolicy.RollBack:
                            rollBacks++;
                            Restore(model, rollBackPoint!);
                            optimizer.zero_grad();
                            lrScale *= 0.5;
                            lr = ScheduledRate(epoch - 1, lrScale);
                            SetRate(optimizer, lr);
                            logger.LogWarning("Rolled back to the start of epoch {Epoch} and halved the learning rate to {Rate} ({What} not finite at step {Step})", epoch, lr, what, step);
                            continue;
                    }
                }
                optimizer.step();
                lossSum += lossValue * batch.Size;
                seen += batch.Size;
                if (progress is not null && step % options.ProgressEvery == 0)
                    progress.Report(new TrainingProgress(epoch, options.Epochs, step, steps, lossSum / Math.Max(1, seen), correct[0] / (double)Math.Max(1, seen), null));
            }

            var trainMetrics = new Dictionary<string, double> { ["loss"] = lossSum / Math.Max(1, seen) };
            for (int h = 0; h < heads.Count; h++) trainMetrics[$"{heads[h].Output}/accuracy"] = correct[h] / (double)Math.Max(1, seen);
            var valMetrics = validation is null ? new Dictionary<string, double>() : Evaluate(model, validation, heads);
            var metrics = new EpochMetrics(epoch, lr, trainMetrics["loss"], trainMetrics, valMetrics, epochClock.Elapsed);
            history.Add(metrics);
            if (rollBackPoint is not null) foreach (var t in rollBackPoint.Values) t.Dispose();

            if (validation is not null)
            {
                if (!valMetrics.TryGetValue(selection, out var score))
                    throw new InvalidOperationException($"Trainer: selection metric '{selection}' is not among the validation metrics [{string.Join(", ", valMetrics.Keys)}].");
                if (score > bestScore)
                {
                    bestScore = score;
                    bestEpoch = epoch;
                    if (options.RestoreBest)
                    {
                        if (bestPath is not null) AtomicFile.Write(bestPath, s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, true); model.save(w); });
                        else { if (best is not null) foreach (var t in best.Values) t.Dispose(); best = Snapshot(model); }
                    }
                }
            }
            else bestEpoch = epoch;

            logger.LogInformation("Epoch {Epoch}/{Epochs}: train {Train}; validation {Validation}; lr {Rate:G3}; {Seconds:F1}s",
                epoch, options.Epochs, Format(trainMetrics), Format(valMetrics), lr, metrics.Duration.TotalSeconds);
            progress?.Report(new TrainingProgress(epoch, options.Epochs, steps, steps, metrics.TrainLoss, trainMetrics.GetValueOrDefault($"{heads[0].Output}/accuracy"), metrics));
            if (checkpointPath is not null)
                Checkpoint.Save(checkpointPath, new CheckpointState(epoch, lr, bestEpoch, bestScore, history, skipped, rollBacks), model, optimizer);
        }

        if (validation is not null && options.RestoreBest && bestEpoch > 0)
        {
            if (bestPath is not null && File.Exists(bestPath)) { using var r = new BinaryReader(File.OpenRead(bestPath)); model.load(r); }
            else if (best is not null) { Restore(model, best); foreach (var t in best.Values) t.Dispose(); }
            logger.LogInformation("Restored the weights of epoch {Epoch} (best validation {Metric} = {Score:F4})", bestEpoch, selection, bestScore);
        }
        optimizer.Dispose();
        return new TrainingResult(history, bestEpoch, selection, clock.Elapsed, startEpoch, skipped, rollBacks);
    }

    /// <summary>Loss and accuracy per head over a whole set, in eval mode without autograd.</summary>
    public static Dictionary<string, double> Evaluate(nn.Module<Tensor, Dictionary<string, Tensor>> model, BatchSource data, IReadOnlyList<HeadSpec> heads)
    {
        bool wasTraining = model.training;
        model.eval();
        var lossSums = new double[heads.Count];
        var correct = new long[heads.Count];
        long seen = 0;
        using (no_grad())
        {
            foreach (var indices in data.IndexBatches(0))
            {
                using var scope = NewDisposeScope();
                var batch = data.Load(indices, augment: false);
                var outputs = model.call(batch.Images);
                for (int h = 0; h < heads.Count; h++)
                {
                    var logits = outputs[heads[h].Output];
                    var target = batch.Labels[heads[h].Label];
                    lossSums[h] += Losses.Loss(heads[h], logits, target).item<float>() * batch.Size;
                    correct[h] += Losses.Correct(heads[h], logits, target).sum().item<long>();
                }
                seen += batch.Size;
            }
        }
        if (wasTraining) model.train();
        var result = new Dictionary<string, double>();
        double total = 0;
        for (int h = 0; h < heads.Count; h++)
        {
            result[$"{heads[h].Output}/loss"] = lossSums[h] / Math.Max(1, seen);
            result[$"{heads[h].Output}/accuracy"] = correct[h] / (double)Math.Max(1, seen);
            total += heads[h].Weight * lossSums[h] / Math.Max(1, seen);
        }
        result["loss"] = total;
        return result;
    }

    /// <summary>All outputs of the model over a set, concatenated on the CPU (eval mode, no autograd).</summary>
    public static Dictionary<string, Tensor> Predict(nn.Module<Tensor, Dictionary<string, Tensor>> model, BatchSource data)
    {
        bool wasTraining = model.training;
        model.eval();
        var parts = new Dictionary<string, List<Tensor>>();
        using (no_grad())
        {
            foreach (var indices in data.IndexBatches(0))
            {
                using var scope = NewDisposeScope();
                var batch = data.Load(indices, augment: false);
                foreach (var (k, v) in model.call(batch.Images))
                {
                    if (!parts.TryGetValue(k, out var list)) parts[k] = list = new List<Tensor>();
                    list.Add(v.cpu().DetachFromDisposeScope());
                }
            }
        }
        if (wasTraining) model.train();
        return parts.ToDictionary(kv => kv.Key, kv =>
        {
            var cat = torch.cat(kv.Value, 0);
            foreach (var t in kv.Value) t.Dispose();
            return cat;
        });
    }

    private double ScheduledRate(int epochIndex, double scale)
    {
        double lr0 = options.LearningRate * scale;
        return options.Schedule switch
        {
            LearningRateSchedule.Cosine => lr0 * 0.5 * (1 + Math.Cos(Math.PI * epochIndex / options.Epochs)),
            LearningRateSchedule.Step => lr0 * Math.Pow(options.StepGamma, epochIndex / options.StepSize),
            _ => lr0,
        };
    }

    private OptimizerHelper CreateOptimizer(List<Parameter> parameters) => options.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        OptimizerKind.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
    };

    private static void SetRate(OptimizerHelper optimizer, double lr)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
    }

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

    private static void CheckHeads(IReadOnlyList<HeadSpec> heads, LabeledImages data)
    {
        if (heads is null || heads.Count == 0) throw new ArgumentException("Trainer: at least one head is required.", nameof(heads));
        foreach (var h in heads)
            if (!data.Labels.ContainsKey(h.Label))
                throw new ArgumentException($"Trainer: head '{h.Output}' needs label level '{h.Label}', but '{data.Name}' has [{string.Join(", ", data.Labels.Keys)}].", nameof(heads));
    }

    private static string Format(IReadOnlyDictionary<string, double> m) =>
        m.Count == 0 ? "-" : string.Join(", ", m.Select(kv => $"{kv.Key} {kv.Value:F4}"));
}
