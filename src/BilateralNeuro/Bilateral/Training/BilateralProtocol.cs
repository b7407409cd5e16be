using BilateralNeuro.Core;
using System.Diagnostics;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral.Training;

/// <summary>Outcome of the specialised protocol.</summary>
/// <param name="LeftStage1">Stage 1 of the left hemisphere (single head on its level).</param>
/// <param name="RightStage1">Stage 1 of the right hemisphere.</param>
/// <param name="Stage2">Head training on frozen hemispheres.</param>
/// <param name="Stage3">Optional end-to-end fine-tuning, or null.</param>
/// <param name="LeftClassifier">The left hemisphere with its stage-1 head (for per-hemisphere analyses).</param>
/// <param name="RightClassifier">The right hemisphere with its stage-1 head.</param>
/// <param name="CacheSeconds">Time to compute the feature cache (train + validation), 0 without caching.</param>
public sealed record SpecializedResult(TrainingResult LeftStage1, TrainingResult RightStage1, TrainingResult Stage2,
    TrainingResult? Stage3, UnilateralNetwork LeftClassifier, UnilateralNetwork RightClassifier, double CacheSeconds)
{
    /// <summary>Mean duration of a stage-1 epoch of one hemisphere (training plus validation), in seconds.</summary>
    public double Stage1EpochSeconds => LeftStage1.History.Concat(RightStage1.History).Average(h => h.Duration.TotalSeconds);
    /// <summary>Mean duration of a stage-2 epoch (training plus validation), in seconds.</summary>
    public double Stage2EpochSeconds => Stage2.History.Average(h => h.Duration.TotalSeconds);
}

/// <summary>
/// Training protocols of the bilateral paper over the shared <see cref="Trainer"/>: the specialised two-stage
/// protocol (stage 1 trains each hemisphere alone on its own label level; stage 2 freezes them and trains the heads
/// on the weighted sum of fine and coarse cross-entropy, on cached features by default; optional stage 3 fine-tunes
/// everything), and end-to-end training for the baselines. Each stage is one <see cref="Trainer"/> run with the
/// stage's <see cref="StageOptions"/>. Model selection uses the validation set only.
/// </summary>
public sealed class BilateralProtocol
{
    private readonly BilateralTrainingOptions options;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;

    /// <summary>Creates the protocol; options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public BilateralProtocol(BilateralTrainingOptions options, Device? device = null, ILoggerFactory? loggerFactory = null)
    {
        this.options = BilateralTrainingOptionsValidator.Check(options);
        Device = device ?? CPU;
        loggers = loggerFactory ?? NullLoggerFactory.Instance;
        logger = loggers.CreateLogger<BilateralProtocol>();
    }

    /// <summary>The validated options.</summary>
    public BilateralTrainingOptions Options => options;
    /// <summary>Where training runs.</summary>
    public Device Device { get; }

    /// <summary>The head specs of a set of heads with the configured loss weights and the heads' sizes.</summary>
    public IReadOnlyList<HeadSpec> HeadSpecs(IEnumerable<HeadDefinition> heads) => HeadSpecs(heads, options);

    /// <summary>The head specs of a set of heads with the loss weights of <paramref name="options"/> and the heads' sizes.</summary>
    public static IReadOnlyList<HeadSpec> HeadSpecs(IEnumerable<HeadDefinition> heads, BilateralTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(options);
        return heads.Select(h => new HeadSpec(h.Name, h.Name,
            h.Name == LabelLevels.Fine ? options.FineWeight : h.Name == LabelLevels.Coarse ? options.CoarseWeight : 1.0) { Classes = h.Classes }).ToList();
    }

    /// <summary>Training batches (shuffled, augmented by the trainer).</summary>
    public BatchSource TrainSource(LabeledImages data, int batchSize, int seedOffset = 0) =>
        new(data, batchSize, Device, options.Normalization, options.Augmentation, shuffle: true, seed: StableSeed.Of(options.Seed, "train-order", seedOffset.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Evaluation batches (in order, no augmentation).</summary>
    public BatchSource EvalSource(LabeledImages data, int batchSize = 512) =>
        new(data, batchSize, Device, options.Normalization, Augmentation.None, shuffle: false, seed: options.Seed);

    /// <summary>
    /// Runs the specialised protocol on <paramref name="network"/> (hemispheres must declare a specialisation; the
    /// network's heads must include the levels they specialise in). The network ends with frozen hemispheres (or
    /// unfrozen after stage 3) and the best-validation heads.
    /// </summary>
    public SpecializedResult TrainSpecialized(BilateralNetwork network, LabeledImages train, LabeledImages validation,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        var heads = network.Head.Definitions;
        var (leftClassifier, leftResult) = TrainHemisphere(network.Left, heads, train, validation, "left", network.Head.Dropout, progress, cancellationToken);
        var (rightClassifier, rightResult) = TrainHemisphere(network.Right, heads, train, validation, "right", network.Head.Dropout, progress, cancellationToken);

        var stage2 = TrainStage2(network, train, validation, out double cacheSeconds, progress, cancellationToken);
        TrainingResult? stage3 = options.Stage3.Epochs > 0 ? FineTune(network, train, validation, progress, cancellationToken) : null;
        return new SpecializedResult(leftResult, rightResult, stage2, stage3, leftClassifier, rightClassifier, cacheSeconds);
    }

    /// <summary>
    /// Stage 2 alone: freezes both hemispheres (their layers stay in evaluation mode, or keep training mode with
    /// <see cref="BilateralTrainingOptions.FrozenNormTraining"/>) and trains the heads with the
    /// <see cref="BilateralTrainingOptions.Stage2"/> settings, on cached features (<see cref="BilateralTrainingOptions.CacheFeatures"/>)
    /// or on augmented images through the frozen hemispheres, through the <see cref="Trainer"/>.
    /// </summary>
    public TrainingResult TrainStage2(BilateralNetwork network, LabeledImages train, LabeledImages validation,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        TrainStage2(network, train, validation, out _, progress, cancellationToken);

    private TrainingResult TrainStage2(BilateralNetwork network, LabeledImages train, LabeledImages validation, out double cacheSeconds,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.FreezeHemispheres(layersKeepTraining: options.FrozenNormTraining);
        cacheSeconds = 0;
        if (!options.CacheFeatures)
            return Fit(network, train, validation, HeadSpecs(network.Head.Definitions), options.Stage2, 2, progress, cancellationToken, "stage2");
        var clock = Stopwatch.StartNew();
        using var trainCache = CacheFeatures(network, network.Features, train);
        using var valCache = CacheFeatures(network, network.Features, validation);
        cacheSeconds = clock.Elapsed.TotalSeconds;
        logger.LogInformation("Cached hemisphere features of {Train} training and {Validation} validation images in {Seconds:F1}s", trainCache.Count, valCache.Count, cacheSeconds);
        return TrainHeads(network.Head, trainCache, valCache, cancellationToken);
    }

    /// <summary>Stage 3 (extension): unfreezes the hemispheres and trains everything with the <see cref="BilateralTrainingOptions.Stage3"/> settings.</summary>
    public TrainingResult FineTune(BilateralNetwork network, LabeledImages train, LabeledImages validation,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (options.Stage3.Epochs < 1) throw new InvalidOperationException("BilateralProtocol: Stage3.Epochs is 0; set it to fine-tune.");
        network.UnfreezeHemispheres();
        return Fit(network, train, validation, HeadSpecs(network.Head.Definitions), options.Stage3, 3, progress, cancellationToken, "stage3");
    }

    /// <summary>Stage 1 for one hemisphere: wraps it with one head on its specialised level and trains it alone.</summary>
    public (UnilateralNetwork Classifier, TrainingResult Result) TrainHemisphere(Hemisphere hemisphere, IReadOnlyList<HeadDefinition> heads,
        LabeledImages train, LabeledImages validation, string name = "hemisphere", double dropout = 0.6,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hemisphere);
        var level = hemisphere.Specialization
            ?? throw new InvalidOperationException($"BilateralProtocol: the {name} hemisphere has no specialisation; build it with .Specialize(LabelLevel.Fine or Coarse).");
        var head = heads.FirstOrDefault(h => h.Name == level.Key())
            ?? throw new InvalidOperationException($"BilateralProtocol: the {name} hemisphere specialises in '{level.Key()}' but the network has no such head.");
        var classifier = new UnilateralNetwork(hemisphere, [head], dropout);
        classifier.to(Device);
        logger.LogInformation("Stage 1: training the {Name} hemisphere on '{Level}' ({Classes} classes)", name, head.Name, head.Classes);
        var result = Fit(classifier, train, validation, [HeadSpec.Classification(head.Name, classes: head.Classes)], options.Stage1, 1, progress, cancellationToken, $"stage1-{name}");
        return (classifier, result);
    }

    /// <summary>Trains any multi-head model end to end (the baselines) with the <see cref="BilateralTrainingOptions.EndToEnd"/> settings.</summary>
    /// <param name="model">The model (moved to <see cref="Device"/>).</param>
    /// <param name="heads">Its heads.</param>
    /// <param name="train">Training set.</param>
    /// <param name="validation">Validation set (model selection).</param>
    /// <param name="seedOffset">Offsets the data-order seed (e.g. per ensemble member).</param>
    /// <param name="progress">Receives step and epoch reports.</param>
    /// <param name="cancellationToken">Stops after the current step.</param>
    /// <param name="name">Names the run's checkpoint folder when <see cref="BilateralTrainingOptions.CheckpointDirectory"/> is set; must differ between models of one protocol.</param>
    public TrainingResult TrainEndToEnd(nn.Module<Tensor, Dictionary<string, Tensor>> model, IEnumerable<HeadDefinition> heads,
        LabeledImages train, LabeledImages validation, int seedOffset = 0,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default, string? name = null)
    {
        model.to(Device);
        return Fit(model, train, validation, HeadSpecs(heads), options.EndToEnd, 10 + seedOffset, progress, cancellationToken, $"end-to-end-{name ?? seedOffset.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// The two hemispheres' features of <paramref name="data"/> (key <c>left</c>, <c>right</c>), computed once in
    /// evaluation mode without autograd or augmentation, with the labels; for stage 2 on frozen hemispheres.
    /// </summary>
    /// <param name="network">The module behind <paramref name="features"/> (put in eval mode for the pass).</param>
    /// <param name="features">The two hemispheres' features of a batch of images.</param>
    /// <param name="data">The images.</param>
    public CachedSource CacheFeatures(nn.Module network, Func<Tensor, (Tensor Left, Tensor Right)> features, LabeledImages data)
    {
        ArgumentNullException.ThrowIfNull(features);
        return CachedSource.Compute(network, x =>
        {
            var (l, r) = features(x);
            return new Dictionary<string, Tensor> { [LeftInput] = l, [RightInput] = r };
        }, EvalSource(data));
    }

    /// <summary>Input name of the left hemisphere's cached features.</summary>
    public const string LeftInput = "left";
    /// <summary>Input name of the right hemisphere's cached features.</summary>
    public const string RightInput = "right";

    /// <summary>
    /// Stage 2 on cached features: trains <paramref name="head"/> on the weighted head losses with the
    /// <see cref="BilateralTrainingOptions.Stage2"/> settings and keeps its best validation epoch.
    /// </summary>
    /// <param name="head">The bilateral head.</param>
    /// <param name="train">Cached training features (<see cref="CacheFeatures"/>).</param>
    /// <param name="validation">Cached validation features.</param>
    /// <param name="cancellationToken">Stops after the current step.</param>
    /// <param name="progress">Receives step and epoch reports.</param>
    public TrainingResult TrainHeads(BilateralHead head, CachedSource train, CachedSource validation, CancellationToken cancellationToken = default,
        IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        var heads = HeadSpecs(head.Definitions);
        var objective = new HeadObjective(b => head.call(b.Input(LeftInput), b.Input(RightInput)), heads, head);
        var batches = train.Batched(options.Stage2.BatchSize, shuffle: true, seed: options.Seed);
        var trainer = new Trainer(StageTrainerOptions(options.Stage2, heads, "stage2-cached"), loggers.CreateLogger<Trainer>());
        return trainer.Fit(new TrainingRun { Model = head, Objective = objective, Train = batches, Validation = validation }, progress, cancellationToken);
    }

    private TrainerOptions StageTrainerOptions(StageOptions stage, IReadOnlyList<HeadSpec> heads, string run)
    {
        var o = stage.Clone();
        o.Seed = options.Seed;
        o.SelectionMetric ??= $"{heads[0].Output}/accuracy";
        o.CheckpointDirectory = options.CheckpointDirectory is { } root ? Path.Combine(root, Core.FileNames.Slug(run)) : null;
        return o;
    }

    private TrainingResult Fit(nn.Module<Tensor, Dictionary<string, Tensor>> model, LabeledImages train, LabeledImages validation,
        IReadOnlyList<HeadSpec> heads, StageOptions stage, int seedOffset, IProgress<TrainingProgress>? progress, CancellationToken token, string run)
    {
        var trainer = new Trainer(StageTrainerOptions(stage, heads, run), loggers.CreateLogger<Trainer>());
        return trainer.Fit(model, TrainSource(train, stage.BatchSize, seedOffset), EvalSource(validation), heads, progress, token);
    }
}
