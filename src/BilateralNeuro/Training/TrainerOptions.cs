using Microsoft.Extensions.Options;

namespace BilateralNeuro.Training;

/// <summary>Optimiser family.</summary>
public enum OptimizerKind
{
    /// <summary>Adam with L2 weight decay (PyTorch's <c>Adam(weight_decay=...)</c>).</summary>
    Adam,
    /// <summary>AdamW with decoupled weight decay.</summary>
    AdamW,
    /// <summary>SGD with momentum.</summary>
    Sgd,
}

/// <summary>Learning-rate schedule over epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant rate.</summary>
    Constant,
    /// <summary>Cosine annealing from the initial rate to zero over all epochs.</summary>
    Cosine,
    /// <summary>Multiply by <see cref="TrainerOptions.StepGamma"/> every <see cref="TrainerOptions.StepSize"/> epochs.</summary>
    Step,
}

/// <summary>What to do when a loss or gradient is not finite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Throw a <see cref="NonFiniteLossException"/> naming the epoch and step (default).</summary>
    Stop,
    /// <summary>Skip the batch (no parameter update) and log a warning.</summary>
    SkipBatch,
    /// <summary>Restore the weights and optimiser state of the start of the epoch, halve the learning rate, go on.</summary>
    RollBack,
}

/// <summary>
/// Options of the <see cref="Trainer"/>. Validate with <see cref="TrainerOptionsValidator"/>. Protocols derive their
/// stage options from it (e.g. <c>Bilateral.Training.StageOptions</c>) instead of copying fields.
/// </summary>
public class TrainerOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; set; } = 10;
    /// <summary>Samples per step.</summary>
    public int BatchSize { get; set; } = 128;
    /// <summary>Optimiser family.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;
    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; set; } = 1e-3;
    /// <summary>Weight decay (L2 for Adam and SGD, decoupled for AdamW).</summary>
    public double WeightDecay { get; set; }
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; } = 0.9;
    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;
    /// <summary>Epochs between decays of the step schedule.</summary>
    public int StepSize { get; set; } = 30;
    /// <summary>Decay factor of the step schedule.</summary>
    public double StepGamma { get; set; } = 0.1;
    /// <summary>Maximum global gradient L2 norm; null disables clipping.</summary>
    public double? GradientClipNorm { get; set; }
    /// <summary>Seed of initialisation-independent randomness (data order, augmentation, dropout).</summary>
    public int Seed { get; set; }
    /// <summary>Folder for atomic checkpoints (resume) and the best weights; null keeps everything in memory.</summary>
    public string? CheckpointDirectory { get; set; }
    /// <summary>Resume from the checkpoint in <see cref="CheckpointDirectory"/> when one exists.</summary>
    public bool Resume { get; set; } = true;
    /// <summary>Non-finite loss policy.</summary>
    public NonFinitePolicy NonFinite { get; set; } = NonFinitePolicy.Stop;
    /// <summary>At the end, load the weights of the epoch with the best validation metric (needs validation data).</summary>
    public bool RestoreBest { get; set; } = true;
    /// <summary>Validation metric that selects the best epoch, e.g. <c>fine/accuracy</c>; default: the first head's accuracy.</summary>
    public string? SelectionMetric { get; set; }
    /// <summary>
    /// Validate after every this many epochs (1-based: epochs N, 2N, ...) and after the last epoch, which always gets a
    /// score; epochs in between have empty validation metrics and cannot be selected. 1 (default) validates every
    /// epoch; 2 is PyTorch Lightning's <c>check_val_every_n_epoch: 2</c> (plus the last epoch when the count is odd).
    /// </summary>
    public int ValidateEvery { get; set; } = 1;
    /// <summary>Report progress every this many steps (epoch ends are always reported).</summary>
    public int ProgressEvery { get; set; } = 10;
    /// <summary>Level of the one log line per epoch (e.g. <see cref="Microsoft.Extensions.Logging.LogLevel.Debug"/> for many short runs).</summary>
    public Microsoft.Extensions.Logging.LogLevel EpochLogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>A shallow copy (of the same type).</summary>
    public TrainerOptions Clone() => (TrainerOptions)MemberwiseClone();
}

/// <summary>Validates <see cref="TrainerOptions"/>, listing every problem at once.</summary>
public sealed class TrainerOptionsValidator : IValidateOptions<TrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TrainerOptions o) =>
        AddProblems(new ValidateOptionsResultBuilder(), o ?? throw new ArgumentNullException(nameof(o))).Build();

    /// <summary>Adds every problem of <paramref name="o"/> to <paramref name="errors"/>, each message prefixed with <paramref name="prefix"/> (e.g. <c>Stage1.</c>).</summary>
    /// <param name="errors">The builder that collects the problems.</param>
    /// <param name="o">The options.</param>
    /// <param name="prefix">Prefix of every message.</param>
    /// <param name="minEpochs">Smallest valid number of epochs (0 lets a stage be switched off).</param>
    /// <returns><paramref name="errors"/>.</returns>
    public static ValidateOptionsResultBuilder AddProblems(ValidateOptionsResultBuilder errors, TrainerOptions o, string prefix = "", int minEpochs = 1)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(o);
        if (o.Epochs < minEpochs) errors.AddError(prefix + $"Epochs must be at least {minEpochs} (got {o.Epochs}).");
        if (o.BatchSize < 1) errors.AddError(prefix + $"BatchSize must be at least 1 (got {o.BatchSize}).");
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate)) errors.AddError(prefix + $"LearningRate must be a positive finite number (got {o.LearningRate}).");
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay)) errors.AddError(prefix + $"WeightDecay must be >= 0 (got {o.WeightDecay}).");
        if (o.Momentum is < 0 or >= 1) errors.AddError(prefix + $"Momentum must lie in [0, 1) (got {o.Momentum}).");
        if (o.StepSize < 1) errors.AddError(prefix + $"StepSize must be at least 1 (got {o.StepSize}).");
        if (o.StepGamma is <= 0 or > 1) errors.AddError(prefix + $"StepGamma must lie in (0, 1] (got {o.StepGamma}).");
        if (o.GradientClipNorm is { } c && !(c > 0)) errors.AddError(prefix + $"GradientClipNorm must be positive when set (got {c}).");
        if (o.ProgressEvery < 1) errors.AddError(prefix + $"ProgressEvery must be at least 1 (got {o.ProgressEvery}).");
        if (o.ValidateEvery < 1) errors.AddError(prefix + $"ValidateEvery must be at least 1 (got {o.ValidateEvery}).");
        if (!Enum.IsDefined(o.Optimizer)) errors.AddError(prefix + $"Optimizer is unknown (got {o.Optimizer}).");
        if (!Enum.IsDefined(o.Schedule)) errors.AddError(prefix + $"Schedule is unknown (got {o.Schedule}).");
        if (!Enum.IsDefined(o.NonFinite)) errors.AddError(prefix + $"NonFinite is unknown (got {o.NonFinite}).");
        if (!Enum.IsDefined(o.EpochLogLevel)) errors.AddError(prefix + $"EpochLogLevel is unknown (got {o.EpochLogLevel}).");
        return errors;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static TrainerOptions Check(TrainerOptions options)
    {
        var result = new TrainerOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(nameof(TrainerOptions), typeof(TrainerOptions), result.Failures);
        return options;
    }
}
