using BilateralNeuro.Data;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// A metric contribution of one batch: a sum and the weight it is averaged over (usually the batch size). The trainer
/// adds both up over an epoch or an evaluation pass and reports <c>Sum / Weight</c>, so fractions stay exact counts.
/// </summary>
/// <param name="Sum">Sum over the batch (e.g. correct answers, or mean loss times batch size).</param>
/// <param name="Weight">What the sum is averaged over (e.g. the batch size).</param>
public readonly record struct MetricValue(double Sum, double Weight)
{
    /// <summary>A batch mean weighted by the batch size.</summary>
    public static MetricValue Mean(double mean, long count) => new(mean * count, count);
    /// <summary>A count of hits among <paramref name="count"/> samples (e.g. correct answers).</summary>
    public static MetricValue Fraction(long hits, long count) => new(hits, count);
    /// <summary>The average, NaN when the weight is 0.</summary>
    public double Value => Weight > 0 ? Sum / Weight : double.NaN;
}

/// <summary>What the trainer tells an objective about the current step.</summary>
public sealed class StepContext
{
    /// <summary>Epoch (1-based; 0 during evaluation).</summary>
    public int Epoch { get; init; }
    /// <summary>Total epochs of the run (0 during stand-alone evaluation).</summary>
    public int Epochs { get; init; }
    /// <summary>Step within the epoch (1-based).</summary>
    public int Step { get; init; }
    /// <summary>Steps per epoch of the training source.</summary>
    public int StepsPerEpoch { get; init; }
    /// <summary>Steps since the start of training, this one included ((epoch - 1) x steps per epoch + step); exact after a resume.</summary>
    public long GlobalStep { get; init; }
    /// <summary>True in a training step, false in evaluation (eval mode, no autograd).</summary>
    public bool Training { get; init; }
    /// <summary>
    /// Random generator for the objective (views, initial phases). The trainer reseeds it from the run's seed and the
    /// epoch through <see cref="Core.StableSeed"/> (and from a fixed seed for every evaluation pass), so a resumed run
    /// draws the same numbers.
    /// </summary>
    public required Generator Generator { get; init; }
}

/// <summary>A batch's loss (scalar, with autograd in training) and its named metrics.</summary>
/// <param name="Loss">The loss to minimise.</param>
/// <param name="Metrics">Named metrics of the batch, e.g. <c>fine/accuracy</c>, <c>task</c>, <c>synchrony</c>.</param>
public sealed record ObjectiveResult(Tensor Loss, IReadOnlyDictionary<string, MetricValue> Metrics);

/// <summary>
/// What a training run minimises: runs the model on a batch and returns the loss and named metrics. The trainer owns
/// everything else (optimisers, steps, scopes, selection, checkpoints); an objective only says what a batch costs.
/// The trainer reports the loss itself as the metric <c>loss</c>.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Metric shown in progress reports and used for model selection by default (e.g. <c>fine/accuracy</c>), or null.</summary>
    string? PrimaryMetric { get; }

    /// <summary>Loss and metrics of one batch.</summary>
    ObjectiveResult Compute(Batch batch, StepContext context);

    /// <summary>Checks a source before training (label levels present, label ranges within the head sizes).</summary>
    /// <exception cref="ArgumentException">The source does not fit the objective (one message naming what is wrong).</exception>
    void Check(IBatchSource source) { }

    /// <summary>
    /// Derives pass-level metrics from the averaged ones (e.g. an F1 from true/false positive rates, or a total loss
    /// as the weighted sum of per-head means); called after every training epoch and every evaluation pass.
    /// </summary>
    void Summarize(IDictionary<string, double> metrics) { }
}
