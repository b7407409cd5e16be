using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// Runs <see cref="FaceAttentionExperiment"/> in worker processes, each with one LibTorch thread, sharing the
/// (seed, pre-training) units through a work queue. Why processes and not threads: LibTorch's random generator is
/// process-global (weight init after <c>torch.manual_seed</c>, dropout), so two training threads in one process would
/// draw from one stream in an order that depends on timing, and the results would change from run to run
/// (docs/architecture.md, "Threading"). Every unit seeds the generator itself, so a unit gives the same numbers in
/// whichever process runs it: the parallel run equals the sequential run at the same LibTorch thread count (a test).
/// <para>
/// Protocol: the parent writes the options as JSON into a temporary folder and starts each worker with the environment
/// variable <see cref="FolderVariable"/> naming that folder. A worker (any program that calls <see cref="ServeIfWorker"/>
/// first thing in <c>Main</c>: the CLI and samples/FaceAttention) sets one LibTorch thread, reads units
/// (<c>seed pre-training</c>) from standard input one line at a time, runs each with the options narrowed to that
/// seed and source, stores its results in the folder's <see cref="ExperimentJournal"/> and answers on standard output
/// with <c>status ...</c> lines (progress), <c>done</c> (next unit, please) and, when its input ends, <c>peak kB</c> (its
/// VmHWM). The parent relays status lines whole (never interleaved within a line), hands out units longest first
/// (objects, faces, random init), and at the end summarises the journal with an ordinary run, which finds every unit
/// done and trains nothing.
/// </para>
/// </summary>
public static class FaceAttentionWorkers
{
    /// <summary>The environment variable that makes a process a worker: the folder of the options and the journal.</summary>
    public const string FolderVariable = "BILATERALNEURO_FACE_ATTENTION_WORKER";
    /// <summary>The environment variable with the worker's LibTorch intra-op thread count (default 1).</summary>
    public const string ThreadsVariable = "BILATERALNEURO_FACE_ATTENTION_WORKER_THREADS";

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The default worker count: 2 when this process may use at least 2 CPUs (<see cref="CpuBudget.Detect"/>), else 1.</summary>
    public static int DefaultCount() => CpuBudget.Detect().Threads >= 2 ? 2 : 1;

    /// <summary>Whether this process was started as a worker (<see cref="FolderVariable"/> set).</summary>
    public static bool IsWorker => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(FolderVariable));

    /// <summary>
    /// The units a parallel run hands out, longest first: every seed's object pre-training, then face pre-training,
    /// then random init (in the order of <see cref="FaceAttentionExperimentOptions.Pretrainings"/> when it lists others).
    /// </summary>
    public static IReadOnlyList<(int Seed, FacePretraining Pretraining)> Units(FaceAttentionExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        static int Cost(FacePretraining p) => p switch { FacePretraining.Object => 0, FacePretraining.Face => 1, _ => 2 };
        return options.Pretrainings.OrderBy(Cost).SelectMany(p => options.Seeds.Select(s => (s, p))).ToList();
    }

    /// <summary>This program as a worker command: the running executable (with the entry assembly when it runs under the dotnet host).</summary>
    public static ProcessStartInfo Self()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("FaceAttentionWorkers: the path of this process is unknown.");
        var psi = new ProcessStartInfo(path);
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            psi.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("FaceAttentionWorkers: no entry assembly to start."));
        return psi;
    }

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
        if (threadsPerWorker < 1) throw new ArgumentException($"FaceAttentionWorkers.Run: threadsPerWorker must be at least 1 (got {threadsPerWorker}).", nameof(threadsPerWorker));
        if (!options.PretrainPerSeed) throw new ArgumentException("FaceAttentionWorkers.Run: PretrainPerSeed must be true (the workers split the run by seed); run the experiment directly otherwise.", nameof(options));
        var units = new Queue<(int Seed, FacePretraining Pretraining)>(Units(options));
        workers = Math.Min(workers, units.Count);
        string folder = Directory.CreateTempSubdirectory("face-attention-workers-").FullName;
        string fingerprint = JsonSerializer.Serialize(options, Json);
        File.WriteAllText(Path.Combine(folder, "options.json"), fingerprint);
        var journal = new ExperimentJournal(Path.Combine(folder, "journal"), fingerprint);
        var gate = new object();
        var peaks = new long[workers];
        var errors = new List<string>();
        var processes = new List<Process>();
        try
        {
            for (int w = 0; w < workers; w++)
            {
                var psi = Clone(command ?? Self());
                psi.Environment[FolderVariable] = folder;
                psi.Environment[ThreadsVariable] = threadsPerWorker.ToString(CultureInfo.InvariantCulture);
                psi.RedirectStandardInput = true;
                psi.RedirectStandardOutput = true;
                psi.UseShellExecute = false;
                processes.Add(Process.Start(psi) ?? throw new InvalidOperationException($"FaceAttentionWorkers: could not start {psi.FileName}."));
            }
            using var registration = cancellationToken.Register(() =>
            {
                foreach (var p in processes) try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            });
            var threads = processes.Select((p, w) => new Thread(() => Serve(p, w)) { IsBackground = true, Name = $"face-attention worker {w + 1}" }).ToList();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            cancellationToken.ThrowIfCancellationRequested();
            if (errors.Count > 0) throw new InvalidOperationException("FaceAttentionWorkers: " + string.Join("; ", errors));
            if (units.Count > 0) throw new InvalidOperationException($"FaceAttentionWorkers: {units.Count} units were not run.");
            long parentPeak = PeakKb();     // this process while the workers ran (the summary below loads LibTorch)
            var report = new FaceAttentionExperiment(options).Run(new ExperimentContext(new ExperimentData()) { Journal = journal, Cancellation = cancellationToken });
            return new FaceAttentionWorkerRun(report, peaks, parentPeak);
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        void Serve(Process p, int w)
        {
            string name = $"w{w + 1}";
            bool Next()
            {
                (int Seed, FacePretraining Pretraining) unit;
                lock (gate)
                {
                    if (errors.Count > 0 || cancellationToken.IsCancellationRequested || !units.TryDequeue(out unit)) unit = (0, (FacePretraining)(-1));
                }
                if ((int)unit.Pretraining < 0)
                {
                    p.StandardInput.Close();
                    return false;
                }
                p.StandardInput.WriteLine($"{unit.Seed.ToString(CultureInfo.InvariantCulture)} {unit.Pretraining}");
                p.StandardInput.Flush();
                return true;
            }
            try
            {
                bool open = true;
                string? line;
                while ((line = p.StandardOutput.ReadLine()) is not null)
                {
                    int space = line.IndexOf(' ', StringComparison.Ordinal);
                    string kind = space < 0 ? line : line[..space], rest = space < 0 ? "" : line[(space + 1)..];
                    switch (kind)
                    {
                        case "ready":
                            status?.Invoke($"{name}: worker process {p.Id}, {rest} LibTorch thread(s)");
                            if (open) open = Next();
                            break;
                        case "done":
                            if (open) open = Next();
                            break;
                        case "status":
                            status?.Invoke($"{name} {rest}");
                            break;
                        case "peak":
                            peaks[w] = long.Parse(rest, CultureInfo.InvariantCulture);
                            break;
                        case "error":
                            lock (gate) errors.Add($"worker {w + 1}: {rest}");
                            break;
                        default:
                            status?.Invoke($"{name} {line}");
                            break;
                    }
                }
                p.WaitForExit();
                if (p.ExitCode != 0)
                    lock (gate) if (!errors.Any(e => e.StartsWith($"worker {w + 1}:", StringComparison.Ordinal))) errors.Add($"worker {w + 1}: exited with code {p.ExitCode}");
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                lock (gate) errors.Add($"worker {w + 1}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// When this process is a worker (<see cref="IsWorker"/>): serves units from standard input until it ends and returns
    /// the exit code (0, or 1 after an <c>error</c> line); otherwise returns null and does nothing. Call it first in <c>Main</c>.
    /// </summary>
    public static int? ServeIfWorker() => IsWorker ? Serve(Console.In, Console.Out) : null;

    private static int Serve(TextReader input, TextWriter output)
    {
        string folder = Environment.GetEnvironmentVariable(FolderVariable)!;
        try
        {
            string fingerprint = File.ReadAllText(Path.Combine(folder, "options.json"));
            int threads = int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int t) && t >= 1 ? t : 1;
            TorchRuntime.SetThreads(threads);
            var journal = new ExperimentJournal(Path.Combine(folder, "journal"), fingerprint);
            var progress = new LineProgress(output);
            LabeledImages? objects = null;
            try
            {
                output.WriteLine($"ready {TorchRuntime.Threads.ToString(CultureInfo.InvariantCulture)}");
                output.Flush();
                string? line;
                while ((line = input.ReadLine()) is not null)
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) || !Enum.TryParse(parts[1], out FacePretraining source))
                        throw new FormatException($"expected a unit 'seed pre-training' (e.g. '3 Object'), got '{line}'");
                    var o = JsonSerializer.Deserialize<FaceAttentionExperimentOptions>(fingerprint, Json)!;
                    o.Seeds = [seed];
                    o.Pretrainings = [source];
                    if (source == FacePretraining.Object && objects is null && o.ObjectSet == FaceObjectSet.FashionMnist)
                    {
                        var (train, test) = Datasets.FashionMnist();
                        test.Dispose();
                        objects = train;
                    }
                    new FaceAttentionExperiment(o).Run(new ExperimentContext(new ExperimentData(Objects: objects)) { Journal = journal, Status = progress });
                    output.WriteLine("done");
                    output.Flush();
                }
            }
            finally
            {
                objects?.Dispose();
            }
            output.WriteLine($"peak {PeakKb().ToString(CultureInfo.InvariantCulture)}");
            output.Flush();
            return 0;
        }
        catch (Exception e)
        {
            output.WriteLine($"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            output.Flush();
            return 1;
        }
    }

    /// <summary>This process's peak resident set size in kB (Linux VmHWM; 0 where /proc is missing).</summary>
    public static long PeakKb()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return 0;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static ProcessStartInfo Clone(ProcessStartInfo source)
    {
        var psi = new ProcessStartInfo(source.FileName) { WorkingDirectory = source.WorkingDirectory };
        foreach (var a in source.ArgumentList) psi.ArgumentList.Add(a);
        foreach (var kv in source.Environment) psi.Environment[kv.Key] = kv.Value;
        return psi;
    }

    // Status lines written synchronously and whole (Progress<T> would post them to the thread pool, out of order with "done").
    private sealed class LineProgress(TextWriter output) : IProgress<string>
    {
        public void Report(string value)
        {
            output.WriteLine("status " + value.ReplaceLineEndings(" "));
            output.Flush();
        }
    }
}

/// <summary>The report of a parallel run and the peak resident memory of its processes.</summary>
/// <param name="Report">The same report as a sequential <see cref="FaceAttentionExperiment.Run"/>.</param>
/// <param name="WorkerPeakKb">Peak resident set size (VmHWM, kB) of each worker process, in worker order.</param>
/// <param name="ParentPeakKb">This process's VmHWM (kB) when the workers had finished, before the summary pass.</param>
public sealed record FaceAttentionWorkerRun(FaceAttentionReport Report, IReadOnlyList<long> WorkerPeakKb, long ParentPeakKb);
