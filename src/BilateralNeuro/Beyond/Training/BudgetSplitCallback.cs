using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BilateralNeuro.Beyond.Training;

/// <summary>
/// Records the left hemisphere's pressure share σ of a <see cref="SharedResourceBudget"/> after every epoch (and
/// logs it), so a run reports how the split moves with the task.
/// </summary>
public sealed class BudgetSplitCallback : ITrainingCallback
{
    private readonly SharedResourceBudget budget;
    private readonly ILogger logger;
    private readonly List<double> shares = [];

    /// <summary>Creates the callback for <paramref name="budget"/>.</summary>
    public BudgetSplitCallback(SharedResourceBudget budget, ILogger? logger = null)
    {
        this.budget = budget ?? throw new ArgumentNullException(nameof(budget));
        this.logger = logger ?? NullLogger.Instance;
        Initial = budget.LeftShareValue;
    }

    /// <summary>The left pressure share before training.</summary>
    public double Initial { get; }

    /// <summary>The left pressure share after each epoch (index 0 = epoch 1).</summary>
    public IReadOnlyList<double> LeftShares => shares;

    /// <inheritdoc />
    public void OnEpoch(EpochMetrics epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        double s = budget.LeftShareValue;
        shares.Add(s);
        logger.LogInformation("Epoch {Epoch}: shared budget split, left pressure share {Share:F3} (right {Right:F3})", epoch.Epoch, s, 1 - s);
    }
}
