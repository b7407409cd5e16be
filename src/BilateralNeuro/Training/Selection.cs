namespace BilateralNeuro.Training;

/// <summary>
/// How the trainer chooses the best epoch from validation metrics (higher is better): one metric
/// (<c>fine/accuracy</c>), a sum (<c>fine/accuracy+coarse/accuracy</c>) or any function of the metrics.
/// </summary>
public sealed class Selection
{
    private readonly Func<IReadOnlyDictionary<string, double>, double> score;

    private Selection(string name, Func<IReadOnlyDictionary<string, double>, double> score, double? target = null)
    {
        Name = name;
        this.score = score;
        Target = target;
    }

    /// <summary>The score at which training stops (after that epoch's checkpoint), or null to run every epoch.</summary>
    public double? Target { get; }

    /// <summary>
    /// The same selection with a stop target: the trainer ends the run after the first validated epoch whose score is at
    /// least <paramref name="target"/> (that epoch is then the best); a resumed run that had reached it trains no further.
    /// </summary>
    /// <param name="target">A finite score, e.g. 0.7 for 70 % validation accuracy.</param>
    public Selection StopAt(double target)
    {
        if (!double.IsFinite(target)) throw new ArgumentOutOfRangeException(nameof(target), target, "Selection: the stop target must be a finite score.");
        return new Selection(Name, score, target);
    }

    /// <summary>Whether <paramref name="bestScore"/> has reached <see cref="Target"/> (false without a target).</summary>
    public bool Reached(double bestScore) => Target is { } t && bestScore >= t;

    /// <summary>Name reported in <see cref="TrainingResult.SelectionMetric"/> and logs.</summary>
    public string Name { get; }

    /// <summary>One validation metric, or the sum of several joined by <c>+</c> (e.g. <c>fine/accuracy+coarse/accuracy</c>).</summary>
    public static Selection Metric(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Selection: the metric name is empty.", nameof(name));
        var parts = name.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new Selection(name, m =>
        {
            double sum = 0;
            foreach (var p in parts)
            {
                if (!m.TryGetValue(p, out var v))
                    throw new InvalidOperationException($"Trainer: selection metric '{p}' is not among the validation metrics [{string.Join(", ", m.Keys)}].");
                sum += v;
            }
            return sum;
        });
    }

    /// <summary>Any score of the validation metrics (higher is better), e.g. the negative of a loss.</summary>
    public static Selection Of(string name, Func<IReadOnlyDictionary<string, double>, double> score) =>
        new(name ?? throw new ArgumentNullException(nameof(name)), score ?? throw new ArgumentNullException(nameof(score)));

    /// <summary>The score of one epoch's validation metrics.</summary>
    public double Score(IReadOnlyDictionary<string, double> validation) => score(validation);
}
