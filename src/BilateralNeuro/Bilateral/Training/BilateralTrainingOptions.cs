using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Bilateral.Training;

/// <summary>
/// Trainer settings of one training stage: a <see cref="TrainerOptions"/> with the paper's defaults (Adam with L2
/// weight decay 1e-3, rate 1e-4, constant, batch 256, 180 epochs). Every trainer option (schedule, clipping, optimiser)
/// applies per stage; the protocol sets the seed, the selection metric and the checkpoint folder of each run.
/// </summary>
public sealed class StageOptions : TrainerOptions
{
    /// <summary>Creates stage options with the paper's defaults.</summary>
    public StageOptions()
    {
        Epochs = 180;
        LearningRate = 1e-4;
        WeightDecay = 1e-3;
        BatchSize = 256;
    }

    /// <summary>A copy.</summary>
    public new StageOptions Clone() => (StageOptions)MemberwiseClone();
}

/// <summary>
/// Options of the specialised two-stage protocol and of the end-to-end baselines. Defaults are the paper's settings
/// (see <see cref="Paper"/>); <see cref="Quick"/> is a few-epoch variant for small embedded data.
/// </summary>
public sealed class BilateralTrainingOptions
{
    /// <summary>Stage 1: each hemisphere alone with one head on its own label level.</summary>
    public StageOptions Stage1 { get; set; } = new() { Epochs = 180, LearningRate = 1e-4, WeightDecay = 1e-3, BatchSize = 256 };
    /// <summary>Stage 2: frozen hemispheres, heads trained on the weighted sum of the head losses.</summary>
    public StageOptions Stage2 { get; set; } = new() { Epochs = 180, LearningRate = 1e-4, WeightDecay = 1e-5, BatchSize = 256 };
    /// <summary>Optional stage 3 (extension): fine-tune everything with a small rate; 0 epochs switches it off.</summary>
    public StageOptions Stage3 { get; set; } = new() { Epochs = 0, LearningRate = 1e-5, WeightDecay = 1e-5, BatchSize = 256 };
    /// <summary>Baselines trained end to end (unilateral, bilateral unspecialised, ResNet-18/34, ensemble members).</summary>
    public StageOptions EndToEnd { get; set; } = new() { Epochs = 180, LearningRate = 1e-4, WeightDecay = 1e-3, BatchSize = 256 };
    /// <summary>Loss weight of the fine head.</summary>
    public double FineWeight { get; set; } = 1.0;
    /// <summary>Loss weight of the coarse head.</summary>
    public double CoarseWeight { get; set; } = 1.0;
    /// <summary>
    /// Compute the frozen hemispheres' features once (no autograd, no augmentation) and train the heads on the cache.
    /// When false, stage 2 runs the frozen hemispheres on augmented batches every epoch through the <c>Trainer</c>.
    /// </summary>
    public bool CacheFeatures { get; set; } = true;
    /// <summary>
    /// Stage 2 runs the frozen hemispheres with their layers (batch norm, dropout) in training mode, so batch-norm running
    /// statistics keep moving while the heads train, as the original code's freeze (requires_grad only) does. Needs
    /// <see cref="CacheFeatures"/> false (a cache is computed once in evaluation mode). Default false: frozen means
    /// evaluation mode.
    /// </summary>
    public bool FrozenNormTraining { get; set; }
    /// <summary>Training augmentation (paper: random crop 32 with 4 px reflect padding + horizontal flip).</summary>
    public Augmentation Augmentation { get; set; } = Augmentation.CropAndFlip;
    /// <summary>Input normalisation (paper: CIFAR-100 statistics).</summary>
    public Normalization Normalization { get; set; } = Normalization.Cifar100;
    /// <summary>Seed of data order, augmentation and dropout.</summary>
    public int Seed { get; set; }
    /// <summary>
    /// When set, every trainer run of the protocol keeps epoch checkpoints in its own sub-folder here (named after the
    /// stage and model) and resumes from them: a stopped run restarted with the same options continues where it stopped.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>The paper's settings: Adam 1e-4, wd 1e-3 / 1e-5, batch 256, 180 epochs, crop+flip, CIFAR-100 normalisation.</summary>
    public static BilateralTrainingOptions Paper() => new();

    /// <summary>
    /// A few-epoch variant for the embedded Fashion-MNIST hierarchy: Adam 1e-3 (few epochs need a larger rate),
    /// wd 1e-4 / 1e-5, batch 128, no augmentation, Fashion-MNIST normalisation. Stage 2 runs 60 epochs: on cached
    /// features they cost seconds, and 10 left the heads under-trained (fine accuracy below the left hemisphere's own).
    /// </summary>
    public static BilateralTrainingOptions Quick(int epochs = 4) => new()
    {
        Stage1 = new() { Epochs = epochs, LearningRate = 2e-3, WeightDecay = 1e-4, BatchSize = 32 },
        Stage2 = new() { Epochs = 60, LearningRate = 1e-3, WeightDecay = 1e-5, BatchSize = 128 },
        Stage3 = new() { Epochs = 0, LearningRate = 1e-4, WeightDecay = 1e-5, BatchSize = 128 },
        EndToEnd = new() { Epochs = epochs, LearningRate = 2e-3, WeightDecay = 1e-4, BatchSize = 32 },
        Augmentation = Augmentation.None,
        Normalization = Normalization.FashionMnist,
    };

    /// <summary>
    /// A copy with the training settings of <paramref name="protocol"/>: <see cref="TrainingProtocol.Clean"/> returns the
    /// settings unchanged; <see cref="TrainingProtocol.Original"/> sets the baselines' weight decay to 1e-5, runs stage 2
    /// on augmented images through the frozen hemispheres with batch norm in training mode (no cache), and selects
    /// stage 2, stage 3 and the baselines on fine + coarse validation accuracy (stage 1 keeps its one head's accuracy),
    /// validating every stage every <see cref="TrainingProtocols.OriginalValidateEvery"/> epochs (and after the last).
    /// </summary>
    public BilateralTrainingOptions ForProtocol(TrainingProtocol protocol)
    {
        var o = Clone();
        if (protocol == TrainingProtocol.Original)
        {
            o.EndToEnd.WeightDecay = TrainingProtocols.OriginalBaselineWeightDecay;
            o.CacheFeatures = false;
            o.FrozenNormTraining = true;
            o.Stage2.SelectionMetric = o.Stage3.SelectionMetric = o.EndToEnd.SelectionMetric = TrainingProtocols.FinePlusCoarse;
            o.Stage1.ValidateEvery = o.Stage2.ValidateEvery = o.Stage3.ValidateEvery = o.EndToEnd.ValidateEvery = TrainingProtocols.OriginalValidateEvery;
        }
        else if (!Enum.IsDefined(protocol)) throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown protocol; expected Clean or Original.");
        return o;
    }

    /// <summary>A deep copy.</summary>
    public BilateralTrainingOptions Clone() => new()
    {
        Stage1 = Stage1.Clone(), Stage2 = Stage2.Clone(), Stage3 = Stage3.Clone(), EndToEnd = EndToEnd.Clone(),
        FineWeight = FineWeight, CoarseWeight = CoarseWeight, CacheFeatures = CacheFeatures, FrozenNormTraining = FrozenNormTraining,
        Augmentation = Augmentation, Normalization = Normalization, Seed = Seed, CheckpointDirectory = CheckpointDirectory,
    };
}

/// <summary>Validates <see cref="BilateralTrainingOptions"/>, listing every problem.</summary>
public sealed class BilateralTrainingOptionsValidator : IValidateOptions<BilateralTrainingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BilateralTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        var errors = new ValidateOptionsResultBuilder();
        Stage(o.Stage1, "Stage1", 1, errors);
        Stage(o.Stage2, "Stage2", 1, errors);
        Stage(o.Stage3, "Stage3", 0, errors);
        Stage(o.EndToEnd, "EndToEnd", 1, errors);
        if (!(o.FineWeight >= 0) || double.IsInfinity(o.FineWeight)) errors.AddError($"FineWeight must be a finite number >= 0 (got {o.FineWeight}).");
        if (!(o.CoarseWeight >= 0) || double.IsInfinity(o.CoarseWeight)) errors.AddError($"CoarseWeight must be a finite number >= 0 (got {o.CoarseWeight}).");
        if (o.FineWeight == 0 && o.CoarseWeight == 0) errors.AddError("FineWeight and CoarseWeight are both 0; stage 2 would train nothing.");
        if (o.FrozenNormTraining && o.CacheFeatures)
            errors.AddError("FrozenNormTraining needs CacheFeatures = false (cached features are computed once in evaluation mode, so batch-norm statistics could not move).");
        if (o.Augmentation is null) errors.AddError("Augmentation must not be null (use Augmentation.None).");
        if (o.Normalization is null) errors.AddError("Normalization must not be null.");
        return errors.Build();
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static BilateralTrainingOptions Check(BilateralTrainingOptions options) =>
        OptionsValidation.ThrowIfInvalid(options, new BilateralTrainingOptionsValidator(), nameof(BilateralTrainingOptions));

    private static void Stage(StageOptions? s, string name, int minEpochs, ValidateOptionsResultBuilder errors)
    {
        if (s is null) { errors.AddError($"{name} must not be null."); return; }
        TrainerOptionsValidator.AddProblems(errors, s, name + ".", minEpochs);
    }
}

/// <summary>
/// Validates one <see cref="StageOptions"/> on its own, with <see cref="TrainerOptionsValidator"/>'s rules except that
/// 0 epochs is allowed (a stage with 0 epochs is switched off, as <see cref="BilateralTrainingOptions.Stage3"/> is by
/// default). <see cref="BilateralTrainingOptionsValidator"/> still requires at least one epoch of stages 1, 2 and the
/// end-to-end baselines.
/// </summary>
public sealed class StageOptionsValidator : IValidateOptions<StageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StageOptions options) =>
        TrainerOptionsValidator.AddProblems(new ValidateOptionsResultBuilder(), options ?? throw new ArgumentNullException(nameof(options)), minEpochs: 0).Build();
}

