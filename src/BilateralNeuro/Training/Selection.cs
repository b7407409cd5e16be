namespace BilateralNeuro.Training;

/// <summary>
/// How the trainer chooses the best epoch from validation metrics (higher is better): one metric
/// (<c>fine/accuracy</c>), a sum (<c>fine/accuracy+coarse/accuracy</c>) or any function of the metrics.
/// </summary>
public sealed class Selection
{
    private readonly Func<IReadOnlyDictionary<string, double>, double> score;

    private Selection(string name, Func<IReadOnlyDictionary<string, double>, double> score)
    {
        Name = name;
        this.score = score;
    }

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
