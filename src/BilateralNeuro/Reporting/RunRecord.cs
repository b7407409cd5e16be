using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BilateralNeuro.Training;

namespace BilateralNeuro.Reporting;

/// <summary>
/// Everything needed to trust and repeat a run: the exact command, options, seeds, library version, device, wall time
/// and the result rows. <see cref="Write"/> produces results.json, results.csv and report.md, each written atomically,
/// so an output folder never holds a half-written results file.
/// </summary>
public sealed record RunRecord
{
    /// <summary>Experiment name (bilateral, synchrony, resources, face-attention, ...).</summary>
    public required string Experiment { get; init; }
    /// <summary>The command line that produced the run.</summary>
    public required string Command { get; init; }
    /// <summary>Options as name → value text.</summary>
    public Dictionary<string, string> Options { get; init; } = new();
    /// <summary>Seeds run.</summary>
    public List<int> Seeds { get; init; } = new();
    /// <summary>Shard of the sweep (i/n).</summary>
    public string Shard { get; init; } = "1/1";
    /// <summary>Library version.</summary>
    public string LibraryVersion { get; init; } = CurrentVersion;
    /// <summary>Device used.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Machine description.</summary>
    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    /// <summary>Wall time in seconds.</summary>
    public double WallSeconds { get; init; }
    /// <summary>The data the run read (null in records written before this was recorded).</summary>
    public DataUsed? Data { get; init; }
    /// <summary>UTC start time (set it when the run starts; the default, the record's creation time, is only a fallback).</summary>
    public DateTime StartedUtc { get; init; } = DateTime.UtcNow;
    /// <summary>Result rows.</summary>
    public List<ResultRow> Rows { get; init; } = new();
    /// <summary>Free-form notes (e.g. protocol details).</summary>
    public List<string> Notes { get; init; } = new();

    /// <summary>Metrics shown as percentages besides those named "... accuracy" (<see cref="ResultTable.PercentMetrics"/>).</summary>
    public List<string> PercentMetrics { get; init; } = new();
    /// <summary>Seeds behind each row when the rows are already means over seeds (<see cref="ResultTable.SeedsPerRow"/>); null: one row per seed.</summary>
    public int? SeedsPerRow { get; init; }

    /// <summary>The rows as a table (with <see cref="PercentMetrics"/> and <see cref="SeedsPerRow"/>).</summary>
    [JsonIgnore]
    public ResultTable Table
    {
        get
        {
            var table = new ResultTable(Experiment, Rows) { SeedsPerRow = SeedsPerRow };
            foreach (var p in PercentMetrics) table.PercentMetrics.Add(p);
            return table;
        }
    }

    /// <summary>The library's informational version.</summary>
    public static string CurrentVersion =>
        typeof(RunRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes results.json, results.csv and report.md into <paramref name="directory"/> (atomically).</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteText(Path.Combine(directory, "results.csv"), Table.ToCsv());
        AtomicFile.WriteText(Path.Combine(directory, "report.md"), ToMarkdown());
        AtomicFile.WriteText(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(this, Json));
    }

    /// <summary>A Markdown report: table, command, machine, wall time, notes.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {Experiment}").AppendLine();
        sb.AppendLine(Table.ToMarkdown());
        sb.AppendLine($"- command: `{Command}`");
        sb.AppendLine($"- seeds: {string.Join(", ", Seeds)}; shard {Shard}; device {Device}; BilateralNeuro {LibraryVersion}");
        if (Data is { } d) sb.AppendLine($"- data: {d}");
        sb.AppendLine($"- machine: {Machine}; wall time {WallSeconds:F0} s; started {StartedUtc:u}");
        foreach (var n in Notes) sb.AppendLine($"- {n}");
        return sb.ToString();
    }

    /// <summary>Loads a results.json.</summary>
    /// <exception cref="InvalidDataException">The file is missing, not JSON, or not a run record.</exception>
    public static RunRecord Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: no results.json here (expected a run folder written by an experiment).");
        try
        {
            return JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty run record.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a run record ({e.Message}).", e);
        }
    }

    /// <summary>A record for several merged runs.</summary>
    public static RunRecord Merged(IReadOnlyList<RunRecord> runs, ResultTable merged) => new()
    {
        Experiment = merged.Experiment,
        Command = "bilateral-neuro report " + string.Join(" ", runs.Select(r => $"[{r.Shard}]")),
        Seeds = runs.SelectMany(r => r.Seeds).Distinct().Order().ToList(),
        Shard = $"merged {runs.Count}",
        Device = string.Join(",", runs.Select(r => r.Device).Distinct()),
        WallSeconds = runs.Sum(r => r.WallSeconds),
        Rows = merged.Rows,
        Data = runs.Select(r => r.Data).FirstOrDefault(d => d is not null),
        Options = runs[0].Options.Where(o => o.Key is not ("--shard" or "--out")).ToDictionary(),
        StartedUtc = runs.Min(r => r.StartedUtc),
        Notes = runs.Select(r => $"part: `{r.Command}` ({r.WallSeconds:F0} s)").ToList(),
    };
}

/// <summary>The data a run read.</summary>
/// <param name="Name">Canonical dataset name (fashion-mnist, mnist, cifar100).</param>
/// <param name="Source">"embedded" or the folder read.</param>
/// <param name="Location">How the folder was found (Explicit, EnvironmentVariable, UserCache, DebianPackage, Embedded).</param>
/// <param name="Files">File name → size in bytes of every file read (empty for the embedded subset).</param>
/// <param name="TrainImages">Images in the training split as loaded (before any limit), if known.</param>
/// <param name="TestImages">Images in the test split as loaded, if known.</param>
public sealed record DataUsed(string Name, string Source, string Location, IReadOnlyDictionary<string, long> Files, long? TrainImages, long? TestImages)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} from {Source} ({Location}{(TrainImages is { } tr ? $", {tr} train / {TestImages} test images" : "")}" +
        $"{(Files.Count > 0 ? "; " + string.Join(", ", Files.Select(f => $"{f.Key} {f.Value} B")) : "")})";
}
