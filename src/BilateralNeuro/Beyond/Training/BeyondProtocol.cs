using BilateralNeuro.Core;
using System.Diagnostics;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Beyond.Training;

/// <summary>One stage-1 epoch of both hemispheres.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="LeftLoss">Mean objective loss of the left hemisphere.</param>
/// <param name="RightLoss">Mean objective loss of the right hemisphere.</param>
/// <param name="ResourceCost">Mean pressure-weighted resource cost (lattice hemispheres; 0 otherwise).</param>
/// <param name="Validation">Validation metrics: <c>left/accuracy</c>, <c>right/accuracy</c> (classification), <c>left/loss</c>, <c>right/loss</c>.</param>
/// <param name="Score">Selection score: mean validation accuracy of the classification objectives.</param>
/// <param name="Duration">Wall time (training and validation).</param>
public sealed record BeyondEpoch(int Epoch, double LeftLoss, double RightLoss, double ResourceCost,
    IReadOnlyDictionary<string, double> Validation, double Score, TimeSpan Duration);

/// <summary>Outcome of <see cref="BeyondProtocol.Train"/>.</summary>
/// <param name="Stage1">Joint stage-1 history.</param>
/// <param name="BestEpoch">Stage-1 epoch whose weights were kept (best validation score).</param>
/// <param name="Stage2">Head training on cached features of the frozen hemispheres.</param>
/// <param name="Stage1Seconds">Wall time of stage 1 (with validation and batch-norm recalibration).</param>
/// <param name="CacheSeconds">Wall time of the feature cache.</param>
/// <param name="LeftResources">Effective size of a lattice left hemisphere (null otherwise).</param>
/// <param name="RightResources">Effective size of a lattice right hemisphere (null otherwise).</param>
public sealed record BeyondResult(IReadOnlyList<BeyondEpoch> Stage1, int BestEpoch, TrainingResult Stage2,
    double Stage1Seconds, double CacheSeconds, ResourceReport? LeftResources, ResourceReport? RightResources)
{
    /// <summary>
    /// With a <see cref="SharedResourceBudget"/>: the left hemisphere's pressure share σ before training (index 0) and
    /// after each stage-1 epoch; empty otherwise. The weights kept are those of <see cref="BestEpoch"/>, whose share is
    /// <c>BudgetSplit[BestEpoch]</c>.
    /// </summary>
    public IReadOnlyList<double> BudgetSplit { get; init; } = [];

    /// <summary>Total training wall time (stage 1, cache, stage 2).</summary>
    public double TotalSeconds => Stage1Seconds + CacheSeconds + Stage2.Elapsed.TotalSeconds;
}

/// <summary>
/// The specialised two-stage protocol generalised to asymmetric, linked, recurrent and self-supervised hemispheres.
/// Stage 1 trains both hemispheres <b>jointly</b> (one forward pass of the whole network, so callosal links carry
/// information and gradients between them), each on its own objective: cross-entropy on its label level through a
/// stage-1 classifier, or a self-supervised loss (reconstruction, contrastive); a lattice hemisphere adds its own
/// <see cref="ResourceCostPenalty"/> (ramped up over <see cref="BeyondTrainingOptions.PressureWarmupEpochs"/>), its gates
/// trained by their own SGD parameter group as in the resource protocol. Without links the joint loss is the sum of two independent
/// losses, i.e. the paper's separate stage 1. The epoch with the best mean validation accuracy of the classification
/// objectives is kept, batch-norm statistics are recomputed, then stage 2 freezes hemispheres and links and trains the
/// paper's heads on cached features (<see cref="BilateralProtocol.TrainHeads"/>). Both stages are <see cref="Trainer"/>
/// runs; model selection uses the validation set only.
/// </summary>
public sealed class BeyondProtocol
{
    private readonly BeyondTrainingOptions options;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;

    /// <summary>Creates the protocol; options are validated here.</summary>
    public BeyondProtocol(BeyondTrainingOptions options, Device? device = null, ILoggerFactory? loggerFactory = null)
    {
        this.options = BeyondTrainingOptionsValidator.Check(options);
        Device = device ?? CPU;
        loggers = loggerFactory ?? NullLoggerFactory.Instance;
        logger = loggers.CreateLogger<BeyondProtocol>();
    }

    /// <summary>The validated options.</summary>
    public BeyondTrainingOptions Options => options;
    /// <summary>Where training runs.</summary>
    public Device Device { get; }
    private BilateralTrainingOptions B => options.Bilateral;

    /// <summary>Head specs with the configured fine/coarse loss weights.</summary>
    public IReadOnlyList<HeadSpec> HeadSpecs(IEnumerable<HeadDefinition> heads) => heads.Select(h => new HeadSpec(h.Name, h.Name,
        h.Name == LabelLevels.Fine ? B.FineWeight : h.Name == LabelLevels.Coarse ? B.CoarseWeight : 1.0)).ToList();

    /// <summary>Training batches (shuffled, augmented).</summary>
    public BatchSource TrainSource(LabeledImages data, int batchSize) =>
        new(data, batchSize, Device, B.Normalization, B.Augmentation, shuffle: true, seed: StableSeed.Of(B.Seed, "train-order"));

    /// <summary>Evaluation batches (in order, no augmentation).</summary>
    public BatchSource EvalSource(LabeledImages data, int batchSize = 512) =>
        new(data, batchSize, Device, B.Normalization, Augmentation.None, shuffle: false, seed: B.Seed);

    /// <summary>Runs stage 1 (joint) and stage 2 (heads on cached features). The network ends frozen with its best heads.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="train">Training split.</param>
    /// <param name="validation">Validation split (model selection).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <param name="progress">Receives every stage-1 step (loss = left + right objective) and one report when stage 2 ends.</param>
    public BeyondResult Train(AsymmetricBilateralNetwork network, LabeledImages train, LabeledImages validation, CancellationToken cancellationToken = default,
        IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        foreach (var h in new[] { network.Left, network.Right })
            if (h.Objective.Level is { } level && !train.Labels.ContainsKey(level.Key()))
                throw new ArgumentException($"BeyondProtocol: a hemisphere specialises in '{level.Key()}' but the data '{train.Name}' has [{string.Join(", ", train.Labels.Keys)}].", nameof(train));
        network.to(Device);
        var clock = Stopwatch.StartNew();
        var (history, best, split) = Stage1(network, train, validation, cancellationToken, progress);
        double stage1Seconds = clock.Elapsed.TotalSeconds;

        network.FreezeHemispheres();
        var (leftSize, rightSize) = Sizes(network, validation);
        clock.Restart();
        var heads = new BilateralProtocol(B, Device, loggers);
        using var trainCache = heads.CacheFeatures(network, x => Pair(network.Features(x)), train);
        using var valCache = heads.CacheFeatures(network, x => Pair(network.Features(x)), validation);
        double cacheSeconds = clock.Elapsed.TotalSeconds;
        var stage2 = heads.TrainHeads(network.Head, trainCache, valCache, cancellationToken);
        if (stage2.History.Count > 0)
        {
            var last = stage2.History[^1];
            progress?.Report(new TrainingProgress(B.Stage1.Epochs, B.Stage1.Epochs, 1, 1, last.TrainLoss, stage2.BestValidation.GetValueOrDefault("fine/accuracy", double.NaN), last));
        }
        return new BeyondResult(history, best, stage2, stage1Seconds, cacheSeconds, leftSize, rightSize) { BudgetSplit = split };
    }

    private static (Tensor, Tensor) Pair((HemisphereReadout L, HemisphereReadout R) r) => (r.L.Features, r.R.Features);

    private (List<BeyondEpoch>, int, IReadOnlyList<double>) Stage1(AsymmetricBilateralNetwork network, LabeledImages train, LabeledImages validation, CancellationToken token,
        IProgress<TrainingProgress>? progress)
    {
        var classes = train.Labels.Keys.ToDictionary(k => k, k => train.ClassCount(k));
        using var heads = new Stage1Heads(network, classes, train.Channels * train.Height * train.Width, network.Head.Dropout);
        heads.to(Device);
        var named = network.Left.named_parameters().Select(p => ("left." + p.name, p.parameter))
            .Concat(network.Right.named_parameters().Select(p => ("right." + p.name, p.parameter)))
            .Concat(network.Links.SelectMany(l => l.parameters()).Select(p => ("link", p)))
            .Concat(heads.parameters().Select(p => ("stage1", p))).Where(p => p.Item2.requires_grad).ToList();
        bool IsGate((string Name, Parameter P) p) => p.Name.EndsWith("gate", StringComparison.Ordinal);
        var stage = B.Stage1.Clone();
        stage.Seed = B.Seed;
        stage.GradientClipNorm = options.GradientClipNorm;
        stage.CheckpointDirectory = null;
        stage.RestoreBest = true;
        stage.ProgressEvery = 1;
        var groups = new List<ParameterGroup>
        {
            new("weights", named.Where(p => !IsGate(p)).Select(p => p.Item2).ToList(), OptimizerSettings.From(stage)),
            new("gates", named.Where(IsGate).Select(p => p.Item2).ToList(), new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = options.GateLearningRate, Momentum = options.GateMomentum }),
        };
        // A shared resource budget's split has its own Adam group (a scalar logit; constant rate).
        var budget = network.Budget;
        if (budget is not null && budget.SplitLogit.requires_grad)
            groups.Add(new("split", [budget.SplitLogit], new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = budget.Options.LearningRate }));
        var splitCallback = budget is null ? null : new BudgetSplitCallback(budget, logger);
        var source = TrainSource(train, stage.BatchSize);
        var objective = new Stage1Objective(network, heads, options, source.BatchesPerEpoch);
        var selection = Selection.Of("mean validation accuracy", Stage1Objective.Score);
        // The group module is not disposed: it only joins the network and the heads, which are disposed by their owners.
        var model = new ModuleGroup(network, heads);
        var result = new Trainer(stage, loggers.CreateLogger<Trainer>()).Fit(new TrainingRun
        {
            Model = model, Objective = objective, Train = source, Validation = EvalSource(validation), Groups = groups, Selection = selection,
            Callbacks = splitCallback is null ? [] : [splitCallback],
        }, progress, token);
        var history = result.History.Select(e => new BeyondEpoch(e.Epoch, e.Train.GetValueOrDefault("left/loss"), e.Train.GetValueOrDefault("right/loss"),
            e.Train.GetValueOrDefault("cost"), e.Validation, selection.Score(e.Validation), e.Duration)).ToList();
        if (options.RecalibrationBatches > 0) NormRecalibration.RecalibrateNorms(network, source, options.RecalibrationBatches);
        network.eval();
        IReadOnlyList<double> split = splitCallback is null ? [] : [splitCallback.Initial, .. splitCallback.LeftShares];
        return (history, result.BestEpoch, split);
    }

    /// <summary>
    /// Stage 1's objective: each hemisphere's own loss (cross-entropy through its stage-1 head, reconstruction, or
    /// contrastive over two views) plus a lattice hemisphere's pressure-weighted resource cost, ramped up over
    /// <see cref="BeyondTrainingOptions.PressureWarmupEpochs"/>. Validation reports each side's loss and, for
    /// classification objectives, its accuracy on clean images.
    /// </summary>
    private sealed class Stage1Objective(AsymmetricBilateralNetwork network, Stage1Heads heads, BeyondTrainingOptions options, int stepsPerEpoch) : ITrainingObjective
    {
        private readonly bool twoViews = network.Left.Objective.Kind == ObjectiveKind.Contrastive || network.Right.Objective.Kind == ObjectiveKind.Contrastive;

        public string? PrimaryMetric => null;

        /// <summary>Mean validation accuracy of the classification objectives, else minus the summed losses.</summary>
        public static double Score(IReadOnlyDictionary<string, double> val)
        {
            var scores = val.Where(kv => kv.Key.EndsWith("/accuracy", StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
            return scores.Count > 0 ? scores.Average() : -val["left/loss"] - val["right/loss"];
        }

        public void Check(IBatchSource source)
        {
            foreach (var h in new[] { network.Left, network.Right })
                if (h.Objective.Level is { } level && !source.Labels.ContainsKey(level.Key()))
                    throw new ArgumentException($"BeyondProtocol: a hemisphere specialises in '{level.Key()}' but '{source.Name}' has [{string.Join(", ", source.Labels.Keys)}].", nameof(source));
        }

        public ObjectiveResult Compute(Batch batch, StepContext context)
        {
            if (context.Training)
            {
                double warmup = options.PressureWarmupEpochs * stepsPerEpoch;
                double ramp = warmup <= 0 ? 1 : Math.Min(1, context.GlobalStep / warmup);
                var (l, r, cost) = Losses(batch, context.Generator, ramp);
                var trainMetrics = new Dictionary<string, MetricValue>
                {
                    ["left/loss"] = MetricValue.Mean(l.item<float>(), batch.Size),
                    ["right/loss"] = MetricValue.Mean(r.item<float>(), batch.Size),
                    ["cost"] = MetricValue.Mean(cost.item<float>(), batch.Size),
                };
                if (network.Budget is { } budget) trainMetrics["budget/left share"] = MetricValue.Mean(budget.LeftShareValue, batch.Size);
                return new ObjectiveResult(l + r + cost, trainMetrics);
            }
            var clean = network.Features(batch.Images);
            var (vl, vr, _) = twoViews ? Losses(batch, context.Generator, 0) : Losses(batch, [batch.Images], [clean], 0);
            var metrics = new Dictionary<string, MetricValue>
            {
                ["left/loss"] = MetricValue.Mean(vl.item<float>(), batch.Size),
                ["right/loss"] = MetricValue.Mean(vr.item<float>(), batch.Size),
            };
            var (fl, fr) = clean;
            if (network.Left.Objective.UsesLabels)
                metrics["left/accuracy"] = MetricValue.Fraction(network.Left.Objective.Level is { } ll ? heads.Left.call(fl.Features).argmax(1).eq(batch.Labels[ll.Key()]).sum().item<long>() : 0, batch.Size);
            if (network.Right.Objective.UsesLabels)
                metrics["right/accuracy"] = MetricValue.Fraction(network.Right.Objective.Level is { } rl ? heads.Right.call(fr.Features).argmax(1).eq(batch.Labels[rl.Key()]).sum().item<long>() : 0, batch.Size);
            return new ObjectiveResult(vl + vr, metrics);
        }

        private (Tensor Left, Tensor Right, Tensor Cost) Losses(Batch batch, Generator generator, double ramp)
        {
            var views = twoViews
                ? new[] { SelfSupervision.View(batch.Images, options.ViewShift, options.ViewNoise, generator), SelfSupervision.View(batch.Images, options.ViewShift, options.ViewNoise, generator) }
                : new[] { batch.Images };
            var readouts = views.Select(network.Features).ToArray();
            return Losses(batch, views, readouts, ramp);
        }

        private (Tensor Left, Tensor Right, Tensor Cost) Losses(Batch batch, Tensor[] views, (HemisphereReadout Left, HemisphereReadout Right)[] readouts, double ramp)
        {
            Tensor Side(StagedHemisphere h, nn.Module<Tensor, Tensor> head, Func<(HemisphereReadout Left, HemisphereReadout Right), HemisphereReadout> pick)
            {
                var o = h.Objective;
                return o.Kind switch
                {
                    ObjectiveKind.Classification => stack(readouts.Select(r => F.cross_entropy(head.call(pick(r).Features), batch.Labels[o.Level!.Value.Key()])).ToList()).mean(),
                    ObjectiveKind.Reconstruction => stack(readouts.Select((r, i) => F.mse_loss(head.call(pick(r).Features), views[i].flatten(1))).ToList()).mean() * options.SelfSupervisedWeight,
                    _ => SelfSupervision.Contrastive(head.call(pick(readouts[0]).Features), head.call(pick(readouts[1]).Features), o.Temperature) * options.SelfSupervisedWeight,
                };
            }
            var left = Side(network.Left, heads.Left, r => r.Left);
            var right = Side(network.Right, heads.Right, r => r.Right);
            var cost = zeros(1, device: left.device).squeeze();
            var costLeft = network.Left is LatticeHemisphere ll ? ll.Cost(readouts[0].Left.Time).Total : null;
            var costRight = network.Right is LatticeHemisphere rl ? rl.Cost(readouts[0].Right.Time).Total : null;
            // A shared budget scales each hemisphere's pressure by its share of the budget (the split is trained).
            if (network.Budget is { } budget && costLeft is not null && costRight is not null) cost = cost + budget.Cost(costLeft, costRight) * ramp;
            else
            {
                if (costLeft is not null) cost = cost + costLeft * ramp;
                if (costRight is not null) cost = cost + costRight * ramp;
            }
            return (left, right, cost);
        }
    }

    /// <summary>
    /// Inter-hemisphere phase coherence of a network with two synchronised hemispheres on <paramref name="data"/>
    /// (evaluation mode): the global and the spatial phase-locking values of
    /// <see cref="Analysis.HemisphereCoherence"/> over all its images; null when a hemisphere is not synchronised.
    /// </summary>
    public (double Global, double Spatial)? Coherence(AsymmetricBilateralNetwork network, LabeledImages data, int spatialSize = 4)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (network.Left.Sync is null || network.Right.Sync is null) return null;
        var phases = Trainer.Predict(network, EvalSource(data), b =>
        {
            var (l, r) = network.Features(b.Images);
            return new Dictionary<string, Tensor>
            {
                ["gl"] = Analysis.HemisphereCoherence.GlobalPhase(l.Sync!.Phase, l.Sync.Amplitude),
                ["gr"] = Analysis.HemisphereCoherence.GlobalPhase(r.Sync!.Phase, r.Sync.Amplitude),
                ["sl"] = Analysis.HemisphereCoherence.PooledPhase(l.Sync.Phase, l.Sync.Amplitude, spatialSize),
                ["sr"] = Analysis.HemisphereCoherence.PooledPhase(r.Sync.Phase, r.Sync.Amplitude, spatialSize),
            };
        }, toCpu: false);
        network.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return (Analysis.HemisphereCoherence.PhaseLocking(phases["gl"], phases["gr"]).item<float>(),
                    Analysis.HemisphereCoherence.PhaseLocking(phases["sl"], phases["sr"]).mean().item<float>());
        }
        finally
        {
            foreach (var t in phases.Values) t.Dispose();
        }
    }

    private (ResourceReport?, ResourceReport?) Sizes(AsymmetricBilateralNetwork network, LabeledImages validation)
    {
        if (network.Left is not LatticeHemisphere && network.Right is not LatticeHemisphere) return (null, null);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var data = EvalSource(validation);
        var batch = data.Load(data.IndexBatches(0).First(), augment: false);
        var (l, r) = network.Features(batch.Images);
        return ((network.Left as LatticeHemisphere)?.Measure(l.Time), (network.Right as LatticeHemisphere)?.Measure(r.Time));
    }

}
