using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Resources;

/// <summary>Task loss of a network with a time distribution.</summary>
public enum TaskLoss
{
    /// <summary>
    /// Negative log-likelihood of the time mixture, -log sum_t p_t q_t(y) (cross-entropy on the <c>label</c> output;
    /// the shared Trainer optimises the same thing).
    /// </summary>
    MixtureNll,
    /// <summary>PonderNet's expected loss sum_t p_t * CE(logits_t, y): every step with mass must be right on its own.</summary>
    ExpectedNll,
}

/// <summary>Optimiser of the gate parameters.</summary>
public enum GateOptimizer
{
    /// <summary>SGD with momentum: updates proportional to task gradient plus pressure.</summary>
    Sgd,
    /// <summary>AdamW without weight decay, in the same optimiser as the weights.</summary>
    Adam,
}

/// <summary>Options of the <see cref="Training.ResourceProtocol"/>.</summary>
public sealed class ResourceTrainerOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; set; } = 5;
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; set; } = 3e-3;
    /// <summary>Decoupled weight decay (AdamW) of the weights; it also stops weights from growing to undo gate shrinkage.</summary>
    public double WeightDecay { get; set; } = 1e-4;
    /// <summary>
    /// Learning rate of the gates (parameters whose name ends in <c>gate</c>; no weight decay); null = the main rate.
    /// </summary>
    public double? GateLearningRate { get; set; } = 0.1;
    /// <summary>
    /// Optimiser of the gates. SGD (default) keeps the pressure meaningful: a gate settles where the task gradient
    /// balances pressure x w(rank). Adam divides by the gradient's running magnitude, so once a gate's task gradient is
    /// small any pressure, however weak, drives it to zero at the full learning rate (whole networks collapse).
    /// </summary>
    public GateOptimizer GateOptimizer { get; set; } = GateOptimizer.Sgd;
    /// <summary>Momentum of the SGD gate optimiser.</summary>
    public double GateMomentum { get; set; } = 0.9;
    /// <summary>
    /// After training, batch-norm running statistics are recomputed as exact averages over this many training batches
    /// (forward only, no augmentation); 0 keeps the running averages. Weights move fast in short runs, so the
    /// exponential running averages lag behind and eval-mode accuracy collapses without this.
    /// </summary>
    public int RecalibrationBatches { get; set; } = 20;
    /// <summary>
    /// The pressures ramp up linearly from 0 over this many epochs (fractions allowed; 0 = full pressure from the start),
    /// so layers that only become useful after some training are not pruned before they had a chance.
    /// </summary>
    public double PressureWarmupEpochs { get; set; } = 1;
    /// <summary>
    /// Weight of an auxiliary loss, the mean over steps of every step's cross-entropy (0 = off). Without it a step that
    /// carries no time mass gets no gradient, stays poor and is never chosen: the halting distribution locks onto the
    /// last step early in training and time pressure can no longer trade steps for accuracy.
    /// </summary>
    public double StepSupervision { get; set; } = 0.2;
    /// <summary>Task loss.</summary>
    public TaskLoss Loss { get; set; } = TaskLoss.ExpectedNll;
    /// <summary>Maximum global gradient norm; null disables clipping.</summary>
    public double? GradientClipNorm { get; set; } = 5.0;
    /// <summary>Output of the model holding the answer (log-probabilities or logits).</summary>
    public string Output { get; set; } = LatticeOutputs.Label;
    /// <summary>Label level of the data.</summary>
    public string Label { get; set; } = "fine";
}

/// <summary>Validates <see cref="ResourceTrainerOptions"/>.</summary>
public sealed class ResourceTrainerOptionsValidator : IValidateOptions<ResourceTrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ResourceTrainerOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new ValidateOptionsResultBuilder();
        if (o.Epochs < 1) errors.AddError($"Epochs must be at least 1 (got {o.Epochs}).");
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate)) errors.AddError($"LearningRate must be a positive finite number (got {o.LearningRate}).");
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay)) errors.AddError($"WeightDecay must be >= 0 (got {o.WeightDecay}).");
        if (o.GateLearningRate is { } g && (!(g > 0) || double.IsInfinity(g))) errors.AddError($"GateLearningRate must be a positive finite number when set (got {g}).");
        if (o.RecalibrationBatches < 0) errors.AddError($"RecalibrationBatches must be >= 0 (got {o.RecalibrationBatches}).");
        if (!Enum.IsDefined(o.GateOptimizer)) errors.AddError($"GateOptimizer is unknown (got {o.GateOptimizer}).");
        if (o.GateMomentum is < 0 or >= 1) errors.AddError($"GateMomentum must lie in [0, 1) (got {o.GateMomentum}).");
        if (!(o.PressureWarmupEpochs >= 0) || double.IsInfinity(o.PressureWarmupEpochs)) errors.AddError($"PressureWarmupEpochs must be a finite number >= 0 (got {o.PressureWarmupEpochs}).");
        if (!(o.StepSupervision >= 0) || double.IsInfinity(o.StepSupervision)) errors.AddError($"StepSupervision must be a finite number >= 0 (got {o.StepSupervision}).");
        if (!Enum.IsDefined(o.Loss)) errors.AddError($"Loss is unknown (got {o.Loss}).");
        if (o.GradientClipNorm is { } c && !(c > 0)) errors.AddError($"GradientClipNorm must be positive when set (got {c}).");
        if (string.IsNullOrWhiteSpace(o.Output)) errors.AddError("Output must be set.");
        if (string.IsNullOrWhiteSpace(o.Label)) errors.AddError("Label must be set.");
        return errors.Build();
    }

    /// <summary>
    /// Throws <see cref="OptionsValidationException"/> listing every problem (forwards to
    /// <see cref="OptionsValidation.ThrowIfInvalid{TOptions}"/>; kept for <c>ResourceTrainer</c>).
    /// </summary>
    public static ResourceTrainerOptions Check(ResourceTrainerOptions options) => OptionsValidation.ThrowIfInvalid(options, new ResourceTrainerOptionsValidator());
}
