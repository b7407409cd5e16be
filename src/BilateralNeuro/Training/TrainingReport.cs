namespace BilateralNeuro.Training;

/// <summary>Progress of a training run, reported every few steps and at each epoch end.</summary>
/// <param name="Epoch">Current epoch (1-based).</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Step within the epoch (1-based).</param>
/// <param name="Steps">Steps per epoch.</param>
/// <param name="Loss">Mean training loss of the epoch so far.</param>
/// <param name="Accuracy">Training accuracy of the first head so far.</param>
/// <param name="EpochEnd">Metrics of the finished epoch, on epoch ends only.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy, EpochMetrics? EpochEnd)
{
    /// <summary>One readable line, e.g. <c>epoch 2/5 step 40/100: loss 0.5321, accuracy 81.2%</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"epoch {Epoch}/{Epochs} step {Step}/{Steps}: loss {Loss:F4}, accuracy {Accuracy * 100:F1}%")
        + (EpochEnd is { } e ? $" | {e}" : "");
}

/// <summary>Metrics of one epoch.</summary>
public sealed record EpochMetrics(int Epoch, double LearningRate, double TrainLoss,
    IReadOnlyDictionary<string, double> Train, IReadOnlyDictionary<string, double> Validation, TimeSpan Duration)
{
    /// <summary>One readable line, e.g. <c>epoch 3: lr 0.001, train loss 0.4123, train fine/accuracy 0.8512, val fine/accuracy 0.8401 (12.3 s)</c>.</summary>
    public override string ToString()
    {
        static string Format(string prefix, IReadOnlyDictionary<string, double> metrics) =>
            string.Concat(metrics.Select(kv => FormattableString.Invariant($", {prefix} {kv.Key} {kv.Value:G4}")));
        return FormattableString.Invariant($"epoch {Epoch}: lr {LearningRate:G3}, train loss {TrainLoss:F4}")
            + Format("train", Train) + Format("val", Validation) + FormattableString.Invariant($" ({Duration.TotalSeconds:F1} s)");
    }
}

/// <summary>The outcome of a <see cref="Trainer"/> run.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochMetrics> History, int BestEpoch, string SelectionMetric,
    TimeSpan Elapsed, int ResumedFromEpoch, int SkippedBatches, int RollBacks)
{
    /// <summary>The best epoch's validation metrics (empty without validation data).</summary>
    public IReadOnlyDictionary<string, double> BestValidation =>
        History.FirstOrDefault(h => h.Epoch == BestEpoch)?.Validation ?? new Dictionary<string, double>();
}

/// <summary>Thrown by the <see cref="NonFinitePolicy.Stop"/> policy.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(int epoch, int step, string what)
        : base($"Training stopped: {what} is not finite at epoch {epoch}, step {step}. Lower the learning rate, enable gradient clipping, or choose NonFinitePolicy.SkipBatch/RollBack.")
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>Epoch of the fault (1-based).</summary>
    public int Epoch { get; }
    /// <summary>Step of the fault within the epoch (1-based).</summary>
    public int Step { get; }
}
