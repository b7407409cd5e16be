using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Training;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace BilateralNeuro.Cli;

/// <summary>
/// Runs <see cref="SynchronyExperiment"/> in worker processes through <see cref="ExperimentWorkers"/>: the units are
/// the experiment's own journal units, one (model, seed) each (<c>KomplexNet seed 0</c>; the seeds are
/// <see cref="SynchronyExperimentOptions.SeedsToRun"/>, so <c>--only-seeds</c> narrows them), handed out Kuramoto
/// models first (KomplexNetFeedback, KomplexNet, then the fixed-phase models, then Real: the order of their cost). A
/// worker runs a unit as the experiment with <see cref="SynchronyExperimentOptions.Models"/> and
/// <see cref="SynchronyExperimentOptions.OnlySeeds"/> narrowed to it, over the shared journal, so its journal entry
/// (and phase map, for seed 0) is the one the sequential run writes; the parent's summary pass is the ordinary run
/// over that journal, which trains nothing and gives the sequential run's result at the workers' LibTorch thread count.
/// </summary>
public static class SynchronyWorkers
{
    /// <summary>Digits of <see cref="LoadDigits"/>: embedded or located MNIST digits (the default).</summary>
    public const string Mnist = CliData.Mnist;
    /// <summary>Digits of <see cref="LoadDigits"/>: Fashion-MNIST items.</summary>
    public const string FashionMnist = CliData.FashionMnist;
    /// <summary>Digits of <see cref="LoadDigits"/>: generated shapes (no data needed).</summary>
    public const string Synthetic = "synthetic";

    private static readonly JsonSerializerOptions Json = new()
    {
        IncludeFields = true,     // SynchronyExperimentOptions.Ood is a value tuple (fields)
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The synchrony adaptor of <see cref="ExperimentWorkers"/> (what worker programs pass to <see cref="ExperimentWorkers.ServeIfWorker"/>).</summary>
    public static IWorkerExperiment Experiment { get; } = new Adaptor();

    /// <summary>
    /// The single-object sets the experiment composes from: <see cref="Synthetic"/> (generated shapes, 200 per class
    /// to train, 60 to test), <see cref="FashionMnist"/> or <see cref="Mnist"/> from <paramref name="dataDir"/>
    /// (null: the library's search, which ends at the embedded subset). One definition for the sample and its workers.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="digits"/> is none of the three.</exception>
    public static (LabeledImages Train, LabeledImages Test) LoadDigits(string digits, string? dataDir = null, ILogger? logger = null) => digits switch
    {
        Synthetic => (MultiObjectComposer.SyntheticDigits(200, seed: 1, name: "synthetic/train"), MultiObjectComposer.SyntheticDigits(60, seed: 2, name: "synthetic/test")),
        FashionMnist => Datasets.FashionMnist(dataDir, logger),
        Mnist => Datasets.MnistDigits(dataDir, logger),
        _ => throw new ArgumentException($"SynchronyWorkers: digits '{digits}' are unknown; expected {Mnist}, {FashionMnist} or {Synthetic}.", nameof(digits)),
    };

    /// <summary>
    /// The units a parallel run hands out, longest first: models by cost (KomplexNetFeedback, KomplexNet, RandomPhases
    /// and IdealPhases, Real; ties in the options' order), each model's seeds in order.
    /// </summary>
    public static IReadOnlyList<(SynchronyModel Model, int Seed)> Units(SynchronyExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        static int Cost(SynchronyModel m) => m switch
        {
            SynchronyModel.KomplexNetFeedback => 0,
            SynchronyModel.KomplexNet => 1,
            SynchronyModel.RandomPhases or SynchronyModel.IdealPhases => 2,
            _ => 3,
        };
        var seeds = options.SeedsToRun();
        return options.Models.Distinct().OrderBy(Cost).SelectMany(m => seeds.Select(s => (m, s))).ToList();
    }

    /// <summary>A unit as the worker protocol's line, e.g. <c>KomplexNet 0</c>.</summary>
    public static string UnitLine((SynchronyModel Model, int Seed) unit) => $"{unit.Model} {unit.Seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Runs <paramref name="options"/> on <paramref name="digits"/> in <paramref name="workers"/> worker processes (one
    /// LibTorch thread each by default) and returns the result of the summary pass, which <paramref name="summarize"/>
    /// runs over the journal (e.g. <c>journal =&gt; new SynchronyExperiment(options).Run(context with that journal)</c>).
    /// </summary>
    /// <param name="options">The experiment options (validated here).</param>
    /// <param name="digits"><see cref="Mnist"/>, <see cref="FashionMnist"/> or <see cref="Synthetic"/>: what every worker loads with <see cref="LoadDigits"/>.</param>
    /// <param name="dataDir">The data folder the workers load from (null: the library's search).</param>
    /// <param name="workers">Worker processes, at least 2 (capped at the number of units).</param>
    /// <param name="summarize">The summary pass over the shared journal.</param>
    /// <param name="status">Whole lines: the workers' unit and epoch lines prefixed with <c>wN</c>.</param>
    /// <param name="command">How to start a worker (the program must serve <see cref="Experiment"/>); null = this program.</param>
    /// <param name="threadsPerWorker">LibTorch intra-op threads in each worker (default 1).</param>
    /// <param name="journal">The journal the workers share (the CLI's OUT/checkpoints); null = a temporary one.</param>
    /// <param name="cancellationToken">Stops the workers (they are killed) and throws.</param>
    /// <exception cref="ArgumentException">Bad options or digits, or fewer than 2 workers.</exception>
    /// <exception cref="InvalidOperationException">A worker failed (its message is included).</exception>
    public static WorkerRun<TResult> Run<TResult>(SynchronyExperimentOptions options, string digits, string? dataDir, int workers,
        Func<ExperimentJournal, TResult> summarize, Action<string>? status = null, ProcessStartInfo? command = null, int threadsPerWorker = 1,
        ExperimentJournal? journal = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new SynchronyExperimentOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new ArgumentException(validation.FailureMessage, nameof(options));
        if (digits is not (Mnist or FashionMnist or Synthetic))
            throw new ArgumentException($"SynchronyWorkers.Run: digits '{digits}' are unknown; expected {Mnist}, {FashionMnist} or {Synthetic}.", nameof(digits));
        var job = new WorkerJob(Experiment, JsonSerializer.Serialize(new WorkerPayload(options, digits, dataDir), Json), Units(options).Select(UnitLine).ToList())
        {
            Journal = journal,
        };
        return ExperimentWorkers.Run(job, workers, summarize, status, command, threadsPerWorker, cancellationToken);
    }

    /// <summary>
    /// When this process is a synchrony worker: serves units until its input ends and returns the exit code; otherwise
    /// null. Call it first in <c>Main</c>.
    /// </summary>
    public static int? ServeIfWorker() => ExperimentWorkers.ServeIfWorker(Experiment);

    private sealed record WorkerPayload(SynchronyExperimentOptions Experiment, string Digits, string? DataDir);

    private sealed class Adaptor : IWorkerExperiment
    {
        public string Name => "synchrony";

        public IWorkerSession Open(WorkerSetup setup) => new Session(setup);
    }

    // One worker process: loads the single-object sets once, then runs (model, seed) units.
    private sealed class Session(WorkerSetup setup) : IWorkerSession
    {
        private readonly WorkerPayload options = JsonSerializer.Deserialize<WorkerPayload>(setup.Options, Json)
            ?? throw new InvalidDataException("SynchronyWorkers: the workers' options are empty.");
        private (LabeledImages Train, LabeledImages Test)? digits;

        public void Run(string unit)
        {
            var parts = unit.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !Enum.TryParse(parts[0], out SynchronyModel model) || !Enum.IsDefined(model)
                || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed))
                throw new FormatException($"expected a unit 'model seed' (e.g. 'KomplexNet 0'), got '{unit}'");
            var (train, test) = digits ??= LoadDigits(options.Digits, options.DataDir);
            var o = JsonSerializer.Deserialize<WorkerPayload>(setup.Options, Json)!.Experiment;
            o.Models = [model];
            o.OnlySeeds = [seed];
            var clock = Stopwatch.StartNew();
            setup.Status.Report($"{model} seed {seed}: started");
            var result = new SynchronyExperiment(o).Run(new ExperimentContext(train, test)
            {
                Journal = setup.Journal,
                Status = setup.Status,
                StageProgress = name => new EpochLines(name, setup.Status),
            });
            var first = result.Rows[0];
            setup.Status.Report(FormattableString.Invariant($"{model} seed {seed}: done in {clock.Elapsed.TotalSeconds:F0} s, {first.Condition} exact match {first.ExactMatch:F3}"));
        }

        public void Dispose()
        {
            digits?.Train.Dispose();
            digits?.Test.Dispose();
        }
    }

    // One short status line per finished epoch of a training run: train loss, validation exact match and synchrony loss.
    private sealed class EpochLines(string name, IProgress<string> status) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochEnd is not { } e) return;
            string Val(string metric, string label) => e.Validation.TryGetValue(metric, out var v) ? FormattableString.Invariant($", val {label} {v:G4}") : "";
            status.Report(FormattableString.Invariant($"{name} epoch {e.Epoch}/{value.Epochs}: train loss {e.TrainLoss:F4}")
                + Val("labels/exact", "exact match") + Val("synchrony", "synchrony loss") + FormattableString.Invariant($" ({e.Duration.TotalSeconds:F1} s)"));
        }
    }
}
