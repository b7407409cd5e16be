using System.CommandLine;
using BilateralNeuro.Experiments;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Cli;

/// <summary><c>bilateral-neuro report DIR...</c>: merges runs (seeds, shards) into one table with mean and std.</summary>
public static class ReportCommand
{
    /// <summary>Options that may differ between the parts of one sweep (they do not change results).</summary>
    public static readonly IReadOnlySet<string> MayDiffer = new HashSet<string>(SharedOptions.OutputOnly) { "--shard" };

    public static Command Create()
    {
        var dirs = new Argument<DirectoryInfo[]>("dirs") { Description = "Run folders (each holding results.json) to merge: the shards or parts of ONE sweep, run with the same options and data.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the merged report.md, results.csv and results.json (default: print only)." };
        var command = new Command("report", "Merge the results of several runs (seeds, shards) into one table with mean and std. Runs of different experiments, options or data are refused.") { dirs, output };
        command.SetAction(parse =>
        {
            try
            {
                var records = Load(parse.GetValue(dirs)!.Select(d => d.FullName).ToList());
                var merged = ResultTable.Merge(records.Select(r => r.Table));
                Console.WriteLine(merged.ToMarkdown());
                if (parse.GetValue(output) is { } outDir)
                {
                    var record = RunRecord.Merged(records, merged);
                    record.Write(outDir.FullName);
                    Console.WriteLine($"wrote {outDir.FullName}/report.md, results.csv, results.json");
                }
                return 0;
            }
            catch (Exception e)
            {
                return ExperimentRunner.Fail("report", e, null);
            }
        });
        return command;
    }

    /// <summary>
    /// Loads the run records of <paramref name="folders"/> and checks that they are parts of one sweep: every folder
    /// exists once and holds results.json, and all runs share the experiment, the options (except --shard and
    /// output-only options) and the data. Every problem is listed in one <see cref="ArgumentException"/>.
    /// </summary>
    public static List<RunRecord> Load(IReadOnlyList<string> folders)
    {
        var problems = new List<string>();
        foreach (var dup in folders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).GroupBy(f => f).Where(g => g.Count() > 1))
            problems.Add($"{dup.Key} is given {dup.Count()} times (each run may be merged once)");
        var records = new List<(string Folder, RunRecord Record)>();
        foreach (var folder in folders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).Distinct())
        {
            var file = Path.Combine(folder, "results.json");
            if (!Directory.Exists(folder)) { problems.Add($"{folder}: no such folder"); continue; }
            if (!File.Exists(file)) { problems.Add($"{folder}: no results.json (not a finished run folder)"); continue; }
            try { records.Add((folder, RunRecord.Load(file))); }
            catch (InvalidDataException e) { problems.Add(e.Message.TrimEnd('.')); }
        }
        if (records.Count > 0)
        {
            var first = records[0];
            foreach (var (folder, r) in records.Skip(1))
            {
                if (r.Experiment != first.Record.Experiment)
                {
                    problems.Add($"{folder} is a '{r.Experiment}' run but {first.Folder} is '{first.Record.Experiment}' (merge runs of one experiment)");
                    continue;
                }
                var differences = OptionDifferences(first.Record, r);
                if (differences.Count > 0)
                    problems.Add($"{folder} was run with other options than {first.Folder}: {string.Join(", ", differences)}");
                if (first.Record.Data is { } a && r.Data is { } b && (a.Name != b.Name || a.Source != b.Source || !a.Files.OrderBy(f => f.Key).SequenceEqual(b.Files.OrderBy(f => f.Key))))
                    problems.Add($"{folder} read other data ({b}) than {first.Folder} ({a})");
            }
        }
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems.Select(p => p.TrimEnd('.'))) + ".");
        return records.Select(r => r.Record).ToList();
    }

    /// <summary>Options that differ between two runs, as "--name a vs b" (ignoring --shard and output-only options).</summary>
    public static List<string> OptionDifferences(RunRecord a, RunRecord b)
    {
        string Get(RunRecord r, string key) => r.Options.TryGetValue(key, out var v) ? v : "(default)";
        return a.Options.Keys.Union(b.Options.Keys).Where(k => !MayDiffer.Contains(k)).Order(StringComparer.Ordinal)
            .Where(k => Get(a, k) != Get(b, k)).Select(k => $"{k} {Get(a, k)} vs {Get(b, k)}").ToList();
    }
}
