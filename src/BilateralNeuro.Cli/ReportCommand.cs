using System.CommandLine;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary><c>bilateral-neuro report DIR...</c>: merges runs (seeds, shards) into one table with mean and std.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var dirs = new Argument<DirectoryInfo[]>("dirs") { Description = "Run folders (each holding results.json) to merge.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the merged report.md, results.csv and results.json (default: print only)." };
        var command = new Command("report", "Merge the results of several runs (seeds, shards) into one table with mean and std.") { dirs, output };
        command.SetAction(parse =>
        {
            var records = parse.GetValue(dirs)!.Select(d => RunRecord.Load(Path.Combine(d.FullName, "results.json"))).ToList();
            var merged = ResultTable.Merge(records.Select(r => r.Table));
            Console.WriteLine(merged.ToMarkdown());
            if (parse.GetValue(output) is { } outDir)
            {
                var record = RunRecord.Merged(records, merged);
                record.Write(outDir.FullName);
                Console.WriteLine($"wrote {outDir.FullName}/report.md, results.csv, results.json");
            }
            return 0;
        });
        return command;
    }
}
