using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TorchSharp;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Cli;

/// <summary>What a subcommand hands back: the rows, notes and written figures.</summary>
public sealed record ExperimentOutput(ResultTable Table, IReadOnlyList<string> Notes, IReadOnlyList<int> Seeds);

/// <summary>
/// What a subcommand would run, resolved before any work (and printed by <c>--dry-run</c>): the library options
/// object(s) with every preset and flag applied, the data, the units of the sweep, and the work itself.
/// </summary>
/// <param name="Options">The resolved library options (serialised to JSON with their library property names).</param>
/// <param name="Data">The dataset and where it is.</param>
/// <param name="Units">Human-readable units this shard would run (seeds, models, sweep points).</param>
/// <param name="Run">The work.</param>
public sealed record ExperimentPlan(object Options, DataChoice Data, IReadOnlyList<string> Units, Func<CommandContext, ExperimentOutput> Run)
{
    /// <summary>Keep OUT/checkpoints after success even without --keep-checkpoints (train: they hold the weights).</summary>
    public bool AlwaysKeepCheckpoints { get; init; }

    /// <summary>The experiment runs on the CPU only: --device auto means cpu, --device cuda is refused.</summary>
    public bool CpuOnly { get; init; }
}

/// <summary>Parsed shared options available while planning (no LibTorch, no data loaded yet).</summary>
public sealed record PlanContext(ParseResult Parse, SharedOptions Shared, Shard Shard, string Preset, string OutDir)
{
    public int? Seeds => Parse.GetValue(Shared.Seeds);
    public int? Epochs => Parse.GetValue(Shared.Epochs);
    public string? DataDir => Parse.GetValue(Shared.DataDir);
    public string Dataset => Parse.GetValue(Shared.Dataset)!;

    /// <summary>Resolves --dataset/--data-dir for <paramref name="command"/>; the first supported dataset is the default.</summary>
    public DataChoice ResolveData(string command, params string[] supported) => CliData.Resolve(command, Dataset, DataDir, Preset, supported);
}

/// <summary>Everything a subcommand's work needs: parsed shared options, device, logging, status, cancellation, journal.</summary>
public sealed class CommandContext(ParseResult parse, SharedOptions shared, torch.Device device, Shard shard, string preset,
    string outDir, ILoggerFactory logging, IProgress<string> status, CancellationToken cancel,
    Func<string, IProgress<TrainingProgress>> stage, ExperimentJournal journal, DataChoice data)
{
    public ParseResult Parse { get; } = parse;
    public SharedOptions Shared { get; } = shared;
    public torch.Device Device { get; } = device;
    public Shard Shard { get; } = shard;
    public string Preset { get; } = preset;
    public string OutDir { get; } = outDir;
    public ILoggerFactory Logging { get; } = logging;
    public IProgress<string> Status { get; } = status;
    public CancellationToken Cancel { get; } = cancel;
    /// <summary>A progress sink per training run (progress bar, metrics CSV, TensorBoard).</summary>
    public Func<string, IProgress<TrainingProgress>> Stage { get; } = stage;

    /// <summary>
    /// The run's journal in OUT/checkpoints: finished units and trainer checkpoints, tied to the resolved options and
    /// data, so the same command started again resumes and a command with other options sets the old folder aside.
    /// </summary>
    public ExperimentJournal Journal { get; } = journal;

    /// <summary>The resolved dataset.</summary>
    public DataChoice Data { get; } = data;

    /// <summary>What the run read, once <see cref="LoadData"/> was called.</summary>
    public DataUsed? DataUsed { get; private set; }

    /// <summary>
    /// The library's context for one experiment run over <paramref name="data"/>: this command's loggers, journal,
    /// status lines, progress sinks (or <paramref name="stage"/>) and cancellation.
    /// </summary>
    public BilateralNeuro.Experiments.ExperimentContext For(BilateralNeuro.Experiments.ExperimentData data,
        Func<string, IProgress<TrainingProgress>>? stage = null) => new(data)
    {
        LoggerFactory = Logging, Journal = Journal, Status = Status, StageProgress = stage ?? Stage, Cancellation = Cancel,
    };

    /// <summary>Loads the resolved dataset and records what was read.</summary>
    public (LabeledImages Train, LabeledImages Test) LoadData()
    {
        var (train, test) = Data.Load(Logging.CreateLogger("data"));
        DataUsed = Data.Describe(train.Count, test.Count);
        return (train, test);
    }
}

/// <summary>A synchronous <see cref="IProgress{T}"/> (System.Progress posts to the thread pool, which reorders lines).</summary>
public sealed class LineProgress(Action<string> write) : IProgress<string>
{
    public void Report(string value) => write(value);
}

/// <summary>Sends every report to several sinks.</summary>
public sealed class TeeProgress<T>(params IProgress<T>?[] sinks) : IProgress<T>
{
    public void Report(T value)
    {
        foreach (var s in sinks) s?.Report(value);
    }
}

/// <summary>Shared plumbing of the experiment subcommands: options, planning, dry runs, threads, results folder, exit codes.</summary>
public static class ExperimentRunner
{
    /// <summary>JSON settings of --dry-run and of the options fingerprint.</summary>
    public static readonly JsonSerializerOptions PlanJson = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        ReferenceHandler = ReferenceHandler.IgnoreCycles,
        IncludeFields = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(string name, string description, Func<PlanContext, ExperimentPlan> plan, params Option[] extra) =>
        Create(name, description, new SharedOptions(), plan, extra);

    /// <summary>A subcommand over given <paramref name="shared"/> option definitions (e.g. <see cref="BilateralCommandOptions.Shared"/>).</summary>
    public static Command Create(string name, string description, SharedOptions shared, Func<PlanContext, ExperimentPlan> plan, params Option[] extra)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var command = new Command(name, description);
        shared.AddTo(command);
        foreach (var o in extra) command.Options.Add(o);
        Planners.AddOrUpdate(command, Tuple.Create(shared, plan));
        // Run on the thread pool so that System.CommandLine's Ctrl+C handler is registered while the work runs.
        command.SetAction((parse, cancel) => Task.Run(() => Run(name, parse, shared, plan, cancel), CancellationToken.None));
        return command;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, Tuple<SharedOptions, Func<PlanContext, ExperimentPlan>>> Planners = new();

    /// <summary>
    /// The plan and checkpoint fingerprint of a parsed experiment command line, without running anything (what
    /// --dry-run resolves; tests use it to check that every command ties its checkpoints to its options).
    /// </summary>
    /// <exception cref="ArgumentException">The command line has errors or is not an experiment command.</exception>
    public static (ExperimentPlan Plan, string Fingerprint) Resolve(ParseResult parse)
    {
        if (parse.Errors.Count > 0) throw new ArgumentException(string.Join("; ", parse.Errors.Select(e => e.Message)));
        if (!Planners.TryGetValue(parse.CommandResult.Command, out var entry))
            throw new ArgumentException($"'{parse.CommandResult.Command.Name}' is not an experiment command.");
        var plan = Plan(parse, entry.Item2, entry.Item1);
        return (plan, Fingerprint(parse, plan));
    }

    /// <summary>Plans the command without running it (what --dry-run prints). Throws on bad input like the command would.</summary>
    public static ExperimentPlan Plan(ParseResult parse, Func<PlanContext, ExperimentPlan> plan, SharedOptions shared) =>
        plan(new PlanContext(parse, shared, Shard.Parse(parse.GetValue(shared.Shard)), parse.GetValue(shared.Preset)!, parse.GetValue(shared.Out)!.FullName));

    private static int Run(string name, ParseResult parse, SharedOptions shared, Func<PlanContext, ExperimentPlan> planner, CancellationToken cancel)
    {
        bool json = parse.GetValue(shared.Json);
        bool interactive = !json && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            // Progress bars own the terminal; information lines would tear them, so only warnings are shown there.
            .AddFilter(level => level >= LogLevel.Warning || !json && !interactive && level >= LogLevel.Information)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var outDir = parse.GetValue(shared.Out)!.FullName;
        try
        {
            var plan = Plan(parse, planner, shared);
            var requestedDevice = parse.GetValue(shared.Device)!;
            if (plan.CpuOnly && requestedDevice.StartsWith("cuda", StringComparison.Ordinal))
                throw new ArgumentException($"--device: {name} runs on the CPU only; expected cpu or auto, got {requestedDevice}.");
            var shard = Shard.Parse(parse.GetValue(shared.Shard));
            var budget = parse.GetValue(shared.Threads) is { } t ? new CpuBudget(t, "--threads") : CpuBudget.Detect();
            var fingerprint = Fingerprint(parse, plan);
            if (parse.GetValue(shared.DryRun))
            {
                Console.WriteLine(DryRunJson(name, parse, shared, plan, budget));
                return 0;
            }

            TorchRuntime.EnsureLoaded(logging.CreateLogger("BilateralNeuro"));
            TorchRuntime.SetThreads(budget.Threads);
            var device = plan.CpuOnly ? torch.CPU : DeviceSelector.Parse(requestedDevice);
            var checkpoints = Path.Combine(outDir, "checkpoints");
            var stamp = Path.Combine(checkpoints, "fingerprint.txt");
            bool resuming = File.Exists(stamp) && File.ReadAllText(stamp) == fingerprint;
            var journal = new ExperimentJournal(checkpoints, fingerprint, logging.CreateLogger("checkpoints"));
            var csv = new MetricsCsvWriter(outDir, append: resuming);
            var tensorBoard = parse.GetValue(shared.TensorBoard) is { } tb ? new TensorBoardWriter(tb.FullName) : null;
            var view = new ProgressView(json);
            var status = new LineProgress(line => view.Line($"[{name} {clock.Elapsed:mm\\:ss}] {line}"));
            CommandContext? context = null;
            var output = view.Run(stage =>
            {
                context = new CommandContext(parse, shared, device, shard, parse.GetValue(shared.Preset)!, outDir, logging, status, cancel,
                    s => new TeeProgress<TrainingProgress>(stage(s), csv.For(s), tensorBoard?.For(s)), journal, plan.Data);
                return plan.Run(context);
            });
            var notes = output.Notes.ToList();
            notes.Add($"threads: {budget.Threads} ({budget.Reason}); {TorchRuntime.WaitPolicyStatus}");
            if (File.Exists(csv.StepsPath)) notes.Add($"metrics: {MetricsCsvWriter.StepsFile}, {MetricsCsvWriter.EpochsFile}" + (tensorBoard is null ? "" : $"; TensorBoard: {tensorBoard.Directory}"));
            var record = new RunRecord
            {
                Experiment = name,
                Command = "bilateral-neuro " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                Options = GivenOptions(parse),
                Seeds = output.Seeds.ToList(),
                Shard = shard.ToString(),
                Device = device.ToString(),
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
                Data = context!.DataUsed ?? plan.Data.Describe(),
                Rows = output.Table.Rows,
                PercentMetrics = output.Table.PercentMetrics.Order(StringComparer.Ordinal).ToList(),
                SeedsPerRow = output.Table.SeedsPerRow,
                Notes = notes,
            };
            record.Write(outDir);
            if (!plan.AlwaysKeepCheckpoints && !parse.GetValue(shared.KeepCheckpoints)) journal.Delete();
            if (json) Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "results.json")));
            else
            {
                Console.WriteLine(output.Table.ToMarkdown());
                foreach (var n in notes) Console.WriteLine($"- {n}");
                Console.WriteLine($"Wrote {outDir}/results.json, results.csv, report.md ({clock.Elapsed.TotalSeconds:F0} s).");
            }
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"bilateral-neuro {name}: stopped by the user after {clock.Elapsed.TotalSeconds:F0} s; no results file was written. " +
                $"Finished units and epoch checkpoints are kept in {Path.Combine(outDir, "checkpoints")}: run the same command again to resume.");
            return 130;
        }
        catch (Exception e)
        {
            return Fail(name, e, outDir);
        }
    }

    /// <summary>
    /// The one error rule of the CLI: a user mistake (bad option, missing data, invalid options) is one line
    /// "COMMAND: error: ..." and exit code 2; anything else is one line "COMMAND: failed: ..." and exit code 1, with the
    /// full exception written to OUT/error.log. Never a stack trace on the console.
    /// </summary>
    public static int Fail(string name, Exception e, string? outDir)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        bool userMistake = e is ArgumentException or InvalidOperationException or IOException or InvalidDataException
            or OptionsValidationException or UnauthorizedAccessException or JsonException or NotSupportedException;
        var message = OneLine(e is OptionsValidationException ov ? string.Join("; ", ov.Failures) : e.Message);
        if (userMistake)
        {
            Console.Error.WriteLine($"bilateral-neuro {name}: error: {message}");
            return 2;
        }
        string where = "";
        if (outDir is not null)
        {
            try
            {
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Combine(outDir, "error.log"), e.ToString());
                where = $" (details: {Path.Combine(outDir, "error.log")})";
            }
            catch (Exception) { where = ""; }
        }
        Console.Error.WriteLine($"bilateral-neuro {name}: failed: {e.GetType().Name}: {message}{where}");
        return 1;
    }

    /// <summary>The first line of a message, with .NET's "(Parameter 'x')" and "Actual value was" tails folded in.</summary>
    public static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return "(no message)";
        var kept = lines.TakeWhile(l => !l.StartsWith("Exception raised from", StringComparison.Ordinal) && !l.StartsWith("frame #", StringComparison.Ordinal)).Take(3);
        return string.Join(" ", kept);
    }

    private static Dictionary<string, string> GivenOptions(ParseResult parse) =>
        parse.CommandResult.Command.Options.Where(o => parse.GetResult(o) is not null)
            .ToDictionary(o => o.Name, o => parse.GetResult(o)!.Tokens.Count > 0 ? string.Join(" ", parse.GetResult(o)!.Tokens.Select(t => t.Value)) : "(default)");

    /// <summary>The --dry-run document: resolved options, data, units, threads.</summary>
    public static string DryRunJson(string name, ParseResult parse, SharedOptions shared, ExperimentPlan plan, CpuBudget budget)
    {
        var doc = new Dictionary<string, object?>
        {
            ["Command"] = name,
            ["Preset"] = parse.GetValue(shared.Preset),
            ["Shard"] = parse.GetValue(shared.Shard),
            ["Device"] = parse.GetValue(shared.Device),
            ["Threads"] = new { Count = budget.Threads, budget.Reason },
            ["Out"] = parse.GetValue(shared.Out)!.FullName,
            ["Data"] = plan.Data.Describe(),
            ["Units"] = plan.Units,
            ["Options"] = plan.Options,
        };
        return JsonSerializer.Serialize(doc, PlanJson);
    }

    /// <summary>
    /// What the results of a run depend on: the subcommand, every option given except output-only ones (--out,
    /// --json, --keep-checkpoints, --device, --threads, --dry-run, --tensorboard), and the library version.
    /// </summary>
    public static string Fingerprint(ParseResult parse)
    {
        var given = parse.CommandResult.Command.Options.Where(o => !SharedOptions.OutputOnly.Contains(o.Name) && parse.GetResult(o) is { } r && r.Tokens.Count > 0)
            .OrderBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => $"{o.Name}={string.Join(" ", parse.GetResult(o)!.Tokens.Select(t => t.Value))}");
        return $"bilateral-neuro {parse.CommandResult.Command.Name}\nlibrary {RunRecord.CurrentVersion}\n{string.Join("\n", given)}\n";
    }

    /// <summary>
    /// <see cref="Fingerprint(ParseResult)"/> plus the data actually resolved (dataset, folder, file sizes) and the
    /// resolved library options: a change of $BILATERALNEURO_DATA or of a preset changes it too.
    /// </summary>
    public static string Fingerprint(ParseResult parse, ExperimentPlan plan)
    {
        // Output folders inside the options (phase maps, saliency) follow --out, which does not change results.
        var options = JsonSerializer.Serialize(plan.Options, PlanJson);
        if (parse.GetValue<DirectoryInfo>("--out") is { } outDir) options = options.Replace(outDir.FullName, "OUT", StringComparison.Ordinal);
        return Fingerprint(parse) + plan.Data.Fingerprint + "\noptions " + options + "\n";
    }

    /// <summary>Seeds 0..n-1 sliced by the shard.</summary>
    public static List<int> ShardSeeds(Shard shard, IEnumerable<int> seeds)
    {
        var mine = shard.Select(seeds).ToList();
        if (mine.Count == 0) throw new ArgumentException($"--shard {shard}: there are fewer seeds than shards; nothing to run.");
        return mine;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem when <paramref name="result"/> failed.</summary>
    public static T Check<T>(T options, ValidateOptionsResult result) where T : class
    {
        if (result.Failed) throw new OptionsValidationException(typeof(T).Name, typeof(T), result.Failures ?? [result.FailureMessage]);
        return options;
    }
}
