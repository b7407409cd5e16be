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

/// <summary>Options of the <see cref="ResourceTrainer"/>.</summary>
public sealed class ResourceTrainerOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; set; } = 5;
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; set; } = 3e-3;
    /// <summary>Decoupled weight decay (AdamW) of the weights; it also stops weights from growing to undo gate shrinkage.</summary>
    public double WeightDecay { get; set; } = 1e-4;
    /// <summary>
    /// Learning rate of the gates (parameters whose name ends in <c>gate</c>; they get no weight decay); null = the
    /// main rate. A higher rate lets short runs reach their resource equilibrium.
    /// </summary>
    public double? GateLearningRate { get; set; } = 1e-2;
    /// <summary>
    /// After training, batch-norm running statistics are recomputed as exact averages over this many training batches
    /// (forward only, no augmentation); 0 keeps the running averages. Weights move fast in short runs, so the
    /// exponential running averages lag behind and eval-mode accuracy collapses without this.
    /// </summary>
    public int RecalibrationBatches { get; set; } = 20;
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
        var errors = new List<string>();
        if (o.Epochs < 1) errors.Add($"Epochs must be at least 1 (got {o.Epochs}).");
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate)) errors.Add($"LearningRate must be a positive finite number (got {o.LearningRate}).");
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay)) errors.Add($"WeightDecay must be >= 0 (got {o.WeightDecay}).");
        if (o.GateLearningRate is { } g && (!(g > 0) || double.IsInfinity(g))) errors.Add($"GateLearningRate must be a positive finite number when set (got {g}).");
        if (o.RecalibrationBatches < 0) errors.Add($"RecalibrationBatches must be >= 0 (got {o.RecalibrationBatches}).");
        if (!Enum.IsDefined(o.Loss)) errors.Add($"Loss is unknown (got {o.Loss}).");
        if (o.GradientClipNorm is { } c && !(c > 0)) errors.Add($"GradientClipNorm must be positive when set (got {c}).");
        if (string.IsNullOrWhiteSpace(o.Output)) errors.Add("Output must be set.");
        if (string.IsNullOrWhiteSpace(o.Label)) errors.Add("Label must be set.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem; returns the options otherwise.</summary>
    public static ResourceTrainerOptions Check(ResourceTrainerOptions options)
    {
        var result = new ResourceTrainerOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(nameof(ResourceTrainerOptions), typeof(ResourceTrainerOptions), result.Failures);
        return options;
    }
}
