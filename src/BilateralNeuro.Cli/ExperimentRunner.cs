using System.CommandLine;
using System.Diagnostics;
using BilateralNeuro.Core;
using BilateralNeuro.Experiments;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TorchSharp;

namespace BilateralNeuro.Cli;

/// <summary>What a subcommand hands back: the rows, notes and written figures.</summary>
public sealed record ExperimentOutput(ResultTable Table, IReadOnlyList<string> Notes, IReadOnlyList<int> Seeds);

/// <summary>Everything a subcommand's body needs: parsed shared options, device, logging, status, cancellation.</summary>
public sealed record ExperimentContext(ParseResult Parse, SharedOptions Shared, torch.Device Device, Shard Shard, string Preset,
    string OutDir, ILoggerFactory Logging, IProgress<string> Status, CancellationToken Cancel,
    Func<string, IProgress<BilateralNeuro.Training.TrainingProgress>> Stage)
{
    private ExperimentJournal? journal;

    /// <summary>
    /// The run's journal in OUT/checkpoints: finished units and trainer checkpoints, tied to the command's options, so
    /// the same command started again resumes. Deleted after a successful run unless --keep-checkpoints is given.
    /// </summary>
    public ExperimentJournal Journal => journal ??= new ExperimentJournal(Path.Combine(OutDir, "checkpoints"),
        ExperimentRunner.Fingerprint(Parse), Logging.CreateLogger("checkpoints"));

    /// <summary>Whether <see cref="Journal"/> was opened.</summary>
    public bool HasJournal => journal is not null;

    public int? Seeds => Parse.GetValue(Shared.Seeds);
    public int? Epochs => Parse.GetValue(Shared.Epochs);
    public string? DataDir => Parse.GetValue(Shared.DataDir)?.FullName;
    public string Dataset => Parse.GetValue(Shared.Dataset)!;
}

/// <summary>A synchronous <see cref="IProgress{T}"/> (System.Progress posts to the thread pool, which reorders lines).</summary>
public sealed class LineProgress(Action<string> write) : IProgress<string>
{
    public void Report(string value) => write(value);
}

/// <summary>Shared plumbing of the experiment subcommands: options, device, progress, results folder, exit codes.</summary>
public static class ExperimentRunner
{
    public static Command Create(string name, string description, Func<ExperimentContext, ExperimentOutput> body, params Option[] extra)
    {
        var shared = new SharedOptions();
        var command = new Command(name, description);
        shared.AddTo(command);
        foreach (var o in extra) command.Options.Add(o);
        // Run on the thread pool so that System.CommandLine's Ctrl+C handler is registered while the work runs.
        command.SetAction((parse, cancel) => Task.Run(() => Run(name, parse, shared, body, cancel), CancellationToken.None));
        return command;
    }

    private static int Run(string name, ParseResult parse, SharedOptions shared, Func<ExperimentContext, ExperimentOutput> body, CancellationToken cancel)
    {
        bool json = parse.GetValue(shared.Json);
        bool interactive = !json && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            // Progress bars own the terminal; information lines would tear them, so only warnings are shown there.
            .AddFilter(level => level >= LogLevel.Warning || !json && !interactive && level >= LogLevel.Information)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        var clock = Stopwatch.StartNew();
        var outDir = parse.GetValue(shared.Out)!.FullName;
        try
        {
            TorchRuntime.EnsureLoaded(logging.CreateLogger("BilateralNeuro"));
            var device = DeviceSelector.Parse(parse.GetValue(shared.Device));
            var shard = Shard.Parse(parse.GetValue(shared.Shard));
            var view = new ProgressView(json);
            var status = new LineProgress(line => view.Line($"[{name} {clock.Elapsed:mm\\:ss}] {line}"));
            ExperimentContext? context = null;
            var output = view.Run(stage =>
            {
                context = new ExperimentContext(parse, shared, device, shard, parse.GetValue(shared.Preset)!, outDir, logging, status, cancel, stage);
                return body(context);
            });
            var record = new RunRecord
            {
                Experiment = name,
                Command = "bilateral-neuro " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                Options = parse.CommandResult.Command.Options.Where(o => parse.GetResult(o) is not null)
                    .ToDictionary(o => o.Name, o => parse.GetResult(o)!.Tokens.Count > 0 ? string.Join(" ", parse.GetResult(o)!.Tokens.Select(t => t.Value)) : "(default)"),
                Seeds = output.Seeds.ToList(),
                Shard = shard.ToString(),
                Device = device.ToString(),
                WallSeconds = clock.Elapsed.TotalSeconds,
                Rows = output.Table.Rows,
                Notes = output.Notes.ToList(),
            };
            record.Write(outDir);
            if (context!.HasJournal && !parse.GetValue(shared.KeepCheckpoints)) context.Journal.Delete();
            if (json) Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "results.json")));
            else
            {
                Console.WriteLine(output.Table.ToMarkdown());
                foreach (var n in output.Notes) Console.WriteLine($"- {n}");
                Console.WriteLine($"Wrote {outDir}/results.json, results.csv, report.md ({clock.Elapsed.TotalSeconds:F0} s).");
            }
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{name}: stopped by the user after {clock.Elapsed.TotalSeconds:F0} s; no results file was written. " +
                $"Finished units and epoch checkpoints are kept in {Path.Combine(outDir, "checkpoints")}: run the same command again to resume.");
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException
            or Microsoft.Extensions.Options.OptionsValidationException)
        {
            Console.Error.WriteLine($"{name}: error: {e.Message}");
            return 2;
        }
    }

    /// <summary>
    /// What the results of a run depend on: the subcommand, every option given except output-only ones (--out,
    /// --json, --keep-checkpoints), and the library version. A journal written under another fingerprint is not resumed.
    /// </summary>
    public static string Fingerprint(ParseResult parse)
    {
        var ignored = new HashSet<string> { "--out", "--json", "--keep-checkpoints", "--device" };
        var given = parse.CommandResult.Command.Options.Where(o => !ignored.Contains(o.Name) && parse.GetResult(o) is { } r && r.Tokens.Count > 0)
            .OrderBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => $"{o.Name}={string.Join(" ", parse.GetResult(o)!.Tokens.Select(t => t.Value))}");
        return $"bilateral-neuro {parse.CommandResult.Command.Name}\nlibrary {RunRecord.CurrentVersion}\n{string.Join("\n", given)}\n";
    }

    /// <summary>Seeds 0..n-1 sliced by the shard.</summary>
    public static List<int> ShardSeeds(Shard shard, IEnumerable<int> seeds)
    {
        var mine = shard.Select(seeds).ToList();
        if (mine.Count == 0) throw new ArgumentException($"--shard {shard}: there are fewer seeds than shards; nothing to run.");
        return mine;
    }
}
