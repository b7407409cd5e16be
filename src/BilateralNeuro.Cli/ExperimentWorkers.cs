using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BilateralNeuro.Core;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// The per-experiment part of a parallel run (<see cref="ExperimentWorkers"/>): a name, and on the worker side a
/// session that runs the units the parent hands out. The parent side (which units, longest first, and how the
/// options are written) is a <see cref="WorkerJob"/>. Adaptors: <see cref="FaceAttentionWorkers"/>, <see cref="SynchronyWorkers"/>.
/// </summary>
public interface IWorkerExperiment
{
    /// <summary>
    /// Short name, e.g. <c>face-attention</c>: it names the worker's environment variables
    /// (<see cref="ExperimentWorkers.FolderVariable"/>), its temporary folder, its threads and its error messages.
    /// </summary>
    string Name { get; }

    /// <summary>Worker side: opens this process's session (e.g. loads data once) over what the parent wrote.</summary>
    /// <param name="setup">The options text of the <see cref="WorkerJob"/>, the shared journal and the status sink.</param>
    IWorkerSession Open(WorkerSetup setup);
}

/// <summary>A worker process's session: runs units one at a time, storing each one's results in the shared journal.</summary>
public interface IWorkerSession : IDisposable
{
    /// <summary>Runs one unit, given as the line the parent listed in <see cref="WorkerJob.Units"/>.</summary>
    /// <exception cref="FormatException">The line is not a unit of this experiment.</exception>
    void Run(string unit);
}

/// <summary>What a worker session gets: the parent's options text, the shared journal and a status-line sink.</summary>
/// <param name="Options">The <see cref="WorkerJob.Options"/> text (typically the experiment options as JSON).</param>
/// <param name="Journal">The journal every worker and the parent share; each unit saves its result there.</param>
/// <param name="Status">Whole lines the parent relays (prefixed with the worker's name).</param>
public sealed record WorkerSetup(string Options, ExperimentJournal Journal, IProgress<string> Status);

/// <summary>The parent side of a parallel run: the experiment, its options text and its units, longest first.</summary>
/// <param name="Experiment">The experiment's adaptor (the worker programs must serve it: <see cref="ExperimentWorkers.ServeIfWorker"/>).</param>
/// <param name="Options">Text handed to every worker session (<see cref="WorkerSetup.Options"/>).</param>
/// <param name="Units">Unit lines (one line each, no line breaks) in the order they are handed out: longest first.</param>
public sealed record WorkerJob(IWorkerExperiment Experiment, string Options, IReadOnlyList<string> Units)
{
    /// <summary>
    /// The journal the workers share (e.g. the CLI's <c>OUT/checkpoints</c>: a stopped run resumes from the units it
    /// holds); null = a temporary one tied to <see cref="Options"/>, deleted afterwards.
    /// </summary>
    public ExperimentJournal? Journal { get; init; }
}

/// <summary>The parent's summary of a parallel run and the peak resident memory of its processes.</summary>
/// <typeparam name="TResult">What the summary pass returned.</typeparam>
/// <param name="Result">The summary pass's result (an ordinary run over the journal, which finds every unit done).</param>
/// <param name="WorkerPeakKb">Peak resident set size (VmHWM, kB) of each worker process, in worker order.</param>
/// <param name="ParentPeakKb">This process's VmHWM (kB) when the workers had finished, before the summary pass.</param>
public sealed record WorkerRun<TResult>(TResult Result, IReadOnlyList<long> WorkerPeakKb, long ParentPeakKb);

/// <summary>
/// Runs an experiment's units in worker processes, each with one LibTorch thread (by default), sharing the units
/// through a work queue. Why processes and not threads: LibTorch's random generator is process-global (weight init
/// after <c>torch.manual_seed</c>, dropout), so two training threads in one process would draw from one stream in an
/// order that depends on timing (docs/architecture.md, "Threading"). Each unit seeds the generator itself, so it gives
/// the same numbers in whichever process runs it: a parallel run equals the sequential run at the same LibTorch thread
/// count (FaceAttentionWorkersTests, SynchronyWorkersTests).
/// <para>
/// Protocol: the parent writes the job's options, the journal folder and its fingerprint into a temporary folder and
/// starts each worker with the environment variable <see cref="FolderVariable"/> naming that folder. A worker (any
/// program that calls <see cref="ServeIfWorker"/> first thing in <c>Main</c>) sets its LibTorch threads, opens the
/// journal, answers <c>ready THREADS</c>, reads unit lines from standard input one at a time, runs each in its
/// <see cref="IWorkerSession"/> and answers on standard output with <c>status ...</c> lines (progress), <c>done</c>
/// (next unit, please), <c>error TYPE: MESSAGE</c> (then exit code 1) and, when its input ends, <c>peak kB</c> (its
/// VmHWM). The parent relays status lines whole (never interleaved within a line), hands out units in the job's
/// order (longest first), and at the end summarises the journal with the caller's summary pass, which finds every
/// unit done and trains nothing.
/// </para>
/// </summary>
public static class ExperimentWorkers
{
    /// <summary>The default worker count: 2 when this process may use at least 2 CPUs (<see cref="CpuBudget.Detect"/>), else 1.</summary>
    public static int DefaultCount() => CpuBudget.Detect().Threads >= 2 ? 2 : 1;

    /// <summary>The environment variable that makes a process a worker of <paramref name="experiment"/>: e.g. <c>BILATERALNEURO_FACE_ATTENTION_WORKER</c>.</summary>
    public static string FolderVariable(string experiment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experiment);
        return "BILATERALNEURO_" + experiment.ToUpperInvariant().Replace('-', '_') + "_WORKER";
    }

    /// <summary>The environment variable with a worker's LibTorch intra-op thread count (default 1): <see cref="FolderVariable"/> + <c>_THREADS</c>.</summary>
    public static string ThreadsVariable(string experiment) => FolderVariable(experiment) + "_THREADS";

    /// <summary>Whether this process was started as a worker of <paramref name="experiment"/>.</summary>
    public static bool IsWorker(string experiment) => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(FolderVariable(experiment)));

    /// <summary>This program as a worker command: the running executable (with the entry assembly when it runs under the dotnet host).</summary>
    public static ProcessStartInfo Self()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("ExperimentWorkers: the path of this process is unknown.");
        var psi = new ProcessStartInfo(path);
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            psi.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("ExperimentWorkers: no entry assembly to start."));
        return psi;
    }

    /// <summary>
    /// Runs <paramref name="job"/>'s units in <paramref name="workers"/> worker processes started with
    /// <paramref name="command"/> (default <see cref="Self"/>), each with <paramref name="threadsPerWorker"/> LibTorch
    /// threads, then <paramref name="summarize"/> over the shared journal (before a temporary journal is deleted).
    /// </summary>
    /// <param name="job">The experiment, its options text and its units, longest first.</param>
    /// <param name="workers">Worker processes, at least 2 (capped at the number of units).</param>
    /// <param name="summarize">The summary pass: an ordinary run of the experiment over the journal.</param>
    /// <param name="status">Receives whole lines: the workers' status lines prefixed with <c>wN</c>, and their thread counts.</param>
    /// <param name="command">How to start a worker (the program must call <see cref="ServeIfWorker"/>); null = this program.</param>
    /// <param name="threadsPerWorker">LibTorch intra-op threads in each worker (default 1).</param>
    /// <param name="cancellationToken">Stops the workers (they are killed) and throws.</param>
    /// <exception cref="ArgumentException">Fewer than 2 workers, no units, a unit with a line break, or fewer than 1 thread.</exception>
    /// <exception cref="InvalidOperationException">A worker failed (its message is included).</exception>
    public static WorkerRun<TResult> Run<TResult>(WorkerJob job, int workers, Func<ExperimentJournal, TResult> summarize, Action<string>? status = null,
        ProcessStartInfo? command = null, int threadsPerWorker = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(summarize);
        string name = job.Experiment.Name;
        if (workers < 2) throw new ArgumentException($"{name} workers: workers must be at least 2 (got {workers}); run the experiment directly for one.", nameof(workers));
        if (threadsPerWorker < 1) throw new ArgumentException($"{name} workers: threadsPerWorker must be at least 1 (got {threadsPerWorker}).", nameof(threadsPerWorker));
        if (job.Units.Count == 0) throw new ArgumentException($"{name} workers: the job has no units.", nameof(job));
        if (job.Units.FirstOrDefault(u => string.IsNullOrWhiteSpace(u) || u.Contains('\n', StringComparison.Ordinal) || u.Contains('\r', StringComparison.Ordinal)) is { } bad)
            throw new ArgumentException($"{name} workers: a unit must be one non-empty line, got '{bad.ReplaceLineEndings("\\n")}'.", nameof(job));
        var units = new Queue<string>(job.Units);
        workers = Math.Min(workers, units.Count);
        string folder = Directory.CreateTempSubdirectory($"{name}-workers-").FullName;
        var journal = job.Journal ?? new ExperimentJournal(Path.Combine(folder, "journal"), job.Options);
        File.WriteAllText(Path.Combine(folder, "options.json"), job.Options);
        File.WriteAllText(Path.Combine(folder, "fingerprint.txt"), journal.Fingerprint);
        File.WriteAllText(Path.Combine(folder, "journal.txt"), journal.Directory);
        var gate = new object();
        var peaks = new long[workers];
        var errors = new List<string>();
        var processes = new List<Process>();
        try
        {
            for (int w = 0; w < workers; w++)
            {
                var psi = Clone(command ?? Self());
                psi.Environment[FolderVariable(name)] = folder;
                psi.Environment[ThreadsVariable(name)] = threadsPerWorker.ToString(CultureInfo.InvariantCulture);
                psi.RedirectStandardInput = true;
                psi.RedirectStandardOutput = true;
                psi.UseShellExecute = false;
                processes.Add(Process.Start(psi) ?? throw new InvalidOperationException($"{name} workers: could not start {psi.FileName}."));
            }
            using var registration = cancellationToken.Register(() =>
            {
                foreach (var p in processes) try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            });
            var threads = processes.Select((p, w) => new Thread(() => Serve(p, w)) { IsBackground = true, Name = $"{name} worker {w + 1}" }).ToList();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            cancellationToken.ThrowIfCancellationRequested();
            if (errors.Count > 0) throw new InvalidOperationException($"{name} workers: " + string.Join("; ", errors));
            if (units.Count > 0) throw new InvalidOperationException($"{name} workers: {units.Count} units were not run.");
            long parentPeak = PeakKb();     // this process while the workers ran (the summary pass may load LibTorch)
            return new WorkerRun<TResult>(summarize(journal), peaks, parentPeak);
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        void Serve(Process p, int w)
        {
            string prefix = $"w{w + 1}";
            bool Next()
            {
                string? unit;
                lock (gate)
                {
                    if (errors.Count > 0 || cancellationToken.IsCancellationRequested || !units.TryDequeue(out unit)) unit = null;
                }
                if (unit is null)
                {
                    p.StandardInput.Close();
                    return false;
                }
                p.StandardInput.WriteLine(unit);
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
                            status?.Invoke($"{prefix}: worker process {p.Id}, {rest} LibTorch thread(s)");
                            if (open) open = Next();
                            break;
                        case "done":
                            if (open) open = Next();
                            break;
                        case "status":
                            status?.Invoke($"{prefix} {rest}");
                            break;
                        case "peak":
                            peaks[w] = long.Parse(rest, CultureInfo.InvariantCulture);
                            break;
                        case "error":
                            lock (gate) errors.Add($"worker {w + 1}: {rest}");
                            break;
                        default:
                            status?.Invoke($"{prefix} {line}");
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
    /// When this process is a worker of one of <paramref name="experiments"/> (its <see cref="FolderVariable"/> is set):
    /// serves units from standard input until it ends and returns the exit code (0, or 1 after an <c>error</c> line);
    /// otherwise returns null and does nothing. Call it first in <c>Main</c>.
    /// </summary>
    public static int? ServeIfWorker(params IWorkerExperiment[] experiments)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        var experiment = experiments.FirstOrDefault(e => IsWorker(e.Name));
        return experiment is null ? null : Serve(experiment, Console.In, Console.Out);
    }

    private static int Serve(IWorkerExperiment experiment, TextReader input, TextWriter output)
    {
        string folder = Environment.GetEnvironmentVariable(FolderVariable(experiment.Name))!;
        try
        {
            string options = File.ReadAllText(Path.Combine(folder, "options.json"));
            string fingerprint = File.ReadAllText(Path.Combine(folder, "fingerprint.txt"));
            string journalDirectory = File.ReadAllText(Path.Combine(folder, "journal.txt"));
            int threads = int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable(experiment.Name)), NumberStyles.Integer, CultureInfo.InvariantCulture, out int t) && t >= 1 ? t : 1;
            TorchRuntime.SetThreads(threads);
            var journal = new ExperimentJournal(journalDirectory, fingerprint);
            // Status lines written synchronously and whole (Progress<T> would post them to the thread pool, out of order with "done").
            var progress = new LineProgress(value =>
            {
                output.WriteLine("status " + value.ReplaceLineEndings(" "));
                output.Flush();
            });
            using (var session = experiment.Open(new WorkerSetup(options, journal, progress)))
            {
                output.WriteLine($"ready {TorchRuntime.Threads.ToString(CultureInfo.InvariantCulture)}");
                output.Flush();
                string? line;
                while ((line = input.ReadLine()) is not null)
                {
                    session.Run(line);
                    output.WriteLine("done");
                    output.Flush();
                }
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
}
