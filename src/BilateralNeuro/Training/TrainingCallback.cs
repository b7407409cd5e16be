namespace BilateralNeuro.Training;

/// <summary>One training step as callbacks see it.</summary>
/// <param name="Epoch">Epoch (1-based).</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Step within the epoch (1-based).</param>
/// <param name="Steps">Steps per epoch.</param>
/// <param name="Loss">The step's loss.</param>
/// <param name="Metrics">The step's named metrics (batch averages).</param>
public sealed record StepReport(int Epoch, int Epochs, int Step, int Steps, double Loss, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Observes a training run: called after every optimiser step and after every epoch (with the epoch's training and
/// validation metrics). For what is special to one protocol (halting statistics, coherence, network size) and for
/// metric writers (CSV, TensorBoard). Callbacks must not step optimisers; the trainer does that.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>After an optimiser step (skipped batches are not reported).</summary>
    void OnStep(StepReport step) { }

    /// <summary>After an epoch's validation pass, before model selection and the checkpoint.</summary>
    void OnEpoch(EpochMetrics epoch) { }
}

/// <summary>A callback from two delegates.</summary>
public sealed class TrainingCallback : ITrainingCallback
{
    private readonly Action<StepReport>? onStep;
    private readonly Action<EpochMetrics>? onEpoch;

    /// <summary>Creates the callback; either delegate may be null.</summary>
    public TrainingCallback(Action<StepReport>? onStep = null, Action<EpochMetrics>? onEpoch = null)
    {
        this.onStep = onStep;
        this.onEpoch = onEpoch;
    }

    /// <inheritdoc />
    public void OnStep(StepReport step) => onStep?.Invoke(step);

    /// <inheritdoc />
    public void OnEpoch(EpochMetrics epoch) => onEpoch?.Invoke(epoch);
}
