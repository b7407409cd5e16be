using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// Runs <see cref="FaceAttentionExperiment"/> in worker processes, each with one LibTorch thread, sharing the
/// units through <see cref="ExperimentWorkers"/> (the protocol, why processes and not threads, and why the parallel run
/// equals the sequential run at the same LibTorch thread count are described there). This class is the face-attention
/// part: the units (<see cref="Units"/>: <c>seed pre-training</c>, e.g. <c>3 Object</c>, and the short random-init
/// units split per backbone, e.g. <c>3 RandomInit VGG16</c>; longest first), the options narrowed to one unit, and a
/// worker session that loads the object images once per process.
/// </summary>
public static class FaceAttentionWorkers
{
    /// <summary>The environment variable that makes a process a worker: the folder of the options and the journal.</summary>
    public const string FolderVariable = "BILATERALNEURO_FACE_ATTENTION_WORKER";
    /// <summary>The environment variable with the worker's LibTorch intra-op thread count (default 1).</summary>
    public const string ThreadsVariable = "BILATERALNEURO_FACE_ATTENTION_WORKER_THREADS";

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The face-attention adaptor of <see cref="ExperimentWorkers"/> (what worker programs pass to <see cref="ExperimentWorkers.ServeIfWorker"/>).</summary>
    public static IWorkerExperiment Experiment { get; } = new Adaptor();

    /// <summary>The default worker count: 2 when this process may use at least 2 CPUs, else 1 (<see cref="ExperimentWorkers.DefaultCount"/>).</summary>
    public static int DefaultCount() => ExperimentWorkers.DefaultCount();

    /// <summary>Whether this process was started as a worker (<see cref="FolderVariable"/> set).</summary>
    public static bool IsWorker => ExperimentWorkers.IsWorker(Experiment.Name);

    /// <summary>
    /// The units a parallel run hands out, longest first: every seed's object pre-training, then face pre-training (one
    /// unit per (seed, source): the backbones of a unit share its pre-training data), then the random-init backbones one
    /// unit each (nothing to share, and a few seconds each, so the two workers end within seconds of each other). Other
    /// sources listed in <see cref="FaceAttentionExperimentOptions.Pretrainings"/> keep their order. Every backbone's
    /// pre-training and transfer seed LibTorch's generator themselves, so how units are cut does not change a number.
    /// </summary>
    public static IReadOnlyList<FaceAttentionUnit> Units(FaceAttentionExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        static int Cost(FacePretraining p) => p switch { FacePretraining.Object => 0, FacePretraining.Face => 1, _ => 2 };
        var architectures = options.Models.Select(FaceAttentionExperiment.ArchitectureOf).Distinct().ToList();
        return options.Pretrainings.OrderBy(Cost).SelectMany(p => options.Seeds.SelectMany(s => p == FacePretraining.RandomInit
            ? architectures.Select(a => new FaceAttentionUnit(s, p, a))
            : [new FaceAttentionUnit(s, p, null)])).ToList();
    }

    /// <summary>This program as a worker command (<see cref="ExperimentWorkers.Self"/>).</summary>
    public static ProcessStartInfo Self() => ExperimentWorkers.Self();

    /// <summary>
    /// Runs <paramref name="options"/> in <paramref name="workers"/> worker processes started with <paramref name="command"/>
    /// (default <see cref="Self"/>), each with <paramref name="threadsPerWorker"/> LibTorch threads, and returns the same
    /// report as <see cref="FaceAttentionExperiment.Run"/> with the workers' peak resident memory.
    /// </summary>
    /// <param name="options">The experiment options; <see cref="FaceAttentionExperimentOptions.PretrainPerSeed"/> must be true (units are per seed).</param>
    /// <param name="workers">Worker processes, at least 2 (capped at the number of units).</param>
    /// <param name="status">Receives whole lines: the workers' progress prefixed with <c>wN</c>, and their thread counts.</param>
    /// <param name="command">How to start a worker (the program must call <see cref="ServeIfWorker"/>); null = this program.</param>
    /// <param name="threadsPerWorker">LibTorch intra-op threads in each worker (default 1).</param>
    /// <param name="cancellationToken">Stops the workers (they are killed) and throws.</param>
    /// <exception cref="ArgumentException">Bad options, fewer than 2 workers or PretrainPerSeed false.</exception>
    /// <exception cref="InvalidOperationException">A worker failed (its message is included).</exception>
    public static FaceAttentionWorkerRun Run(FaceAttentionExperimentOptions options, int workers, Action<string>? status = null,
        ProcessStartInfo? command = null, int threadsPerWorker = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new FaceAttentionExperimentOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new ArgumentException(validation.FailureMessage, nameof(options));
        if (workers < 2) throw new ArgumentException($"FaceAttentionWorkers.Run: workers must be at least 2 (got {workers}); run the experiment directly for one.", nameof(workers));
        if (!options.PretrainPerSeed) throw new ArgumentException("FaceAttentionWorkers.Run: PretrainPerSeed must be true (the workers split the run by seed); run the experiment directly otherwise.", nameof(options));
        var job = new WorkerJob(Experiment, JsonSerializer.Serialize(options, Json),
            Units(options).Select(u => u.Line).ToList());
        var run = ExperimentWorkers.Run(job, workers,
            journal => new FaceAttentionExperiment(options).Run(new ExperimentContext(new ExperimentData()) { Journal = journal, Cancellation = cancellationToken }),
            status, command, threadsPerWorker, cancellationToken);
        return new FaceAttentionWorkerRun(run.Result, run.WorkerPeakKb, run.ParentPeakKb);
    }

    /// <summary>
    /// When this process is a worker (<see cref="IsWorker"/>): serves units from standard input until it ends and returns
    /// the exit code (0, or 1 after an <c>error</c> line); otherwise returns null and does nothing. Call it first in <c>Main</c>.
    /// </summary>
    public static int? ServeIfWorker() => ExperimentWorkers.ServeIfWorker(Experiment);

    /// <summary>This process's peak resident set size in kB (<see cref="ExperimentWorkers.PeakKb"/>).</summary>
    public static long PeakKb() => ExperimentWorkers.PeakKb();

    private sealed class Adaptor : IWorkerExperiment
    {
        public string Name => "face-attention";

        public IWorkerSession Open(WorkerSetup setup) => new Session(setup);
    }

    // One worker process: runs units (seed, pre-training[, backbone]), loading the object images once for every object unit.
    private sealed class Session(WorkerSetup setup) : IWorkerSession
    {
        private LabeledImages? objects;

        public void Run(string unit)
        {
            var u = FaceAttentionUnit.Parse(unit);
            var o = JsonSerializer.Deserialize<FaceAttentionExperimentOptions>(setup.Options, Json)!;
            o.Seeds = [u.Seed];
            o.Pretrainings = [u.Pretraining];
            if (u.Architecture is { } arch) o.Models = o.Models.Where(m => FaceAttentionExperiment.ArchitectureOf(m) == arch).ToList();
            var source = u.Pretraining;
            if (source == FacePretraining.Object && objects is null && o.ObjectSet == FaceObjectSet.FashionMnist)
            {
                var (train, test) = Datasets.FashionMnist();
                test.Dispose();
                objects = train;
            }
            new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData(Objects: objects)) { Journal = setup.Journal, Status = setup.Status });
        }

        public void Dispose() => objects?.Dispose();
    }
}

/// <summary>One unit of a parallel face-attention run: a seed and pre-training source, and for split units one backbone.</summary>
/// <param name="Seed">The data and transfer seed.</param>
/// <param name="Pretraining">The pre-training source.</param>
/// <param name="Architecture">The backbone (<see cref="FaceAttentionExperiment.ArchitectureOf"/>) or null for all of the run's backbones.</param>
public sealed record FaceAttentionUnit(int Seed, FacePretraining Pretraining, string? Architecture)
{
    /// <summary>The unit as a worker reads it: <c>seed source [backbone]</c>, e.g. <c>3 Object</c> or <c>3 RandomInit VGG16</c>.</summary>
    public string Line => Architecture is null ? $"{Seed.ToString(CultureInfo.InvariantCulture)} {Pretraining}" : $"{Seed.ToString(CultureInfo.InvariantCulture)} {Pretraining} {Architecture}";

    /// <summary>Reads <see cref="Line"/>.</summary>
    /// <exception cref="FormatException">Not <c>seed source [backbone]</c>.</exception>
    public static FaceAttentionUnit Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) || !Enum.TryParse(parts[1], out FacePretraining source))
            throw new FormatException($"expected a unit 'seed pre-training [backbone]' (e.g. '3 Object' or '3 RandomInit VGG16'), got '{line}'");
        return new FaceAttentionUnit(seed, source, parts.Length == 3 ? parts[2] : null);
    }
}

/// <summary>The report of a parallel run and the peak resident memory of its processes.</summary>
/// <param name="Report">The same report as a sequential <see cref="FaceAttentionExperiment.Run"/>.</param>
/// <param name="WorkerPeakKb">Peak resident set size (VmHWM, kB) of each worker process, in worker order.</param>
/// <param name="ParentPeakKb">This process's VmHWM (kB) when the workers had finished, before the summary pass.</param>
public sealed record FaceAttentionWorkerRun(FaceAttentionReport Report, IReadOnlyList<long> WorkerPeakKb, long ParentPeakKb);
