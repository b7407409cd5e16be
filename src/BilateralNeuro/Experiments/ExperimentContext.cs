using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>
/// One experiment of the library: validated options in (constructor), a typed result with its
/// <see cref="ResultTable"/> out of <see cref="Run"/>; data, logging, journal, progress and cancellation come in one
/// <see cref="ExperimentContext"/>.
/// </summary>
/// <typeparam name="TOptions">The experiment's options type.</typeparam>
/// <typeparam name="TResult">The experiment's typed result.</typeparam>
public interface IExperiment<out TOptions, out TResult> where TResult : IExperimentResult
{
    /// <summary>The validated options.</summary>
    TOptions Options { get; }

    /// <summary>Runs the experiment on the context's data.</summary>
    /// <exception cref="OperationCanceledException">The context's cancellation token was cancelled.</exception>
    TResult Run(ExperimentContext context);
}

/// <summary>What every experiment returns: its rows as a <see cref="ResultTable"/> (mergeable across seeds and shards).</summary>
public interface IExperimentResult
{
    /// <summary>Every measured row of the run.</summary>
    ResultTable Table { get; }
}

/// <summary>
/// The image sets an experiment reads. Which ones it needs depends on the experiment: the bilateral, beyond and
/// resource experiments and synchrony (single digits to compose from) read <see cref="Train"/> and <see cref="Test"/>;
/// face attention reads <see cref="Objects"/> for object pre-training. The caller owns (and disposes) the sets.
/// </summary>
/// <param name="Train">Training set (a validation split is carved from it where the experiment needs one).</param>
/// <param name="Test">Test set, used only for the final scores.</param>
/// <param name="Objects">Object images for pre-training (face attention), or null.</param>
public sealed record ExperimentData(LabeledImages? Train = null, LabeledImages? Test = null, LabeledImages? Objects = null)
{
    /// <summary>The training set, or one clear error naming the experiment that needs it.</summary>
    /// <exception cref="ArgumentException"><see cref="Train"/> is null.</exception>
    public LabeledImages RequireTrain(string experiment) =>
        Train ?? throw new ArgumentException($"{experiment}: ExperimentData.Train is null; this experiment needs a training set.", "context");

    /// <summary>The test set, or one clear error naming the experiment that needs it.</summary>
    /// <exception cref="ArgumentException"><see cref="Test"/> is null.</exception>
    public LabeledImages RequireTest(string experiment) =>
        Test ?? throw new ArgumentException($"{experiment}: ExperimentData.Test is null; this experiment needs a test set.", "context");
}

/// <summary>
/// Everything an <see cref="IExperiment{TOptions, TResult}"/> run needs besides its options: the data, loggers, the
/// journal that makes a stopped run resumable, progress sinks and cancellation.
/// </summary>
public sealed class ExperimentContext
{
    /// <summary>Creates a context over <paramref name="data"/>; every other member has a quiet default.</summary>
    public ExperimentContext(ExperimentData data) => Data = data ?? throw new ArgumentNullException(nameof(data));

    /// <summary>Creates a context over a training and a test set.</summary>
    public ExperimentContext(LabeledImages train, LabeledImages test)
        : this(new ExperimentData(train ?? throw new ArgumentNullException(nameof(train)), test ?? throw new ArgumentNullException(nameof(test))))
    {
    }

    /// <summary>The image sets.</summary>
    public ExperimentData Data { get; }

    /// <summary>
    /// Creates the experiment's loggers (default <see cref="NullLoggerFactory.Instance"/>). A factory rather than one
    /// <see cref="ILogger"/> because the protocols under an experiment log under their own categories.
    /// </summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Keeps finished units (seeds, models, sweep points) and trainer checkpoints, so a stopped run resumes when
    /// started again with the same options (null: nothing is kept).
    /// </summary>
    public ExperimentJournal? Journal { get; init; }

    /// <summary>Receives one status line per model, seed or stage (e.g. for a console), or null.</summary>
    public IProgress<string>? Status { get; init; }

    /// <summary>Creates one progress sink per training run (named e.g. "seed 0 · unilateral ResNet-9 2/5"), e.g. a progress bar.</summary>
    public Func<string, IProgress<TrainingProgress>>? StageProgress { get; init; }

    /// <summary>Stops the run between training steps or units (<see cref="OperationCanceledException"/>).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>A copy with the same data, journal, progress and cancellation and another <see cref="StageProgress"/>.</summary>
    public ExperimentContext WithStageProgress(Func<string, IProgress<TrainingProgress>>? stageProgress) => new(Data)
    {
        LoggerFactory = LoggerFactory, Journal = Journal, Status = Status, StageProgress = stageProgress, Cancellation = Cancellation,
    };
}
