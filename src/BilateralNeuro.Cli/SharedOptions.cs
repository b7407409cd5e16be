using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Cli;

/// <summary>Options every experiment subcommand accepts.</summary>
public sealed class SharedOptions
{
    public Option<string> Dataset { get; } = new("--dataset") { Description = "Dataset: default (the command's own), fashion-mnist, mnist or cifar100. A dataset the command cannot use is refused before any work.", DefaultValueFactory = _ => "default" };
    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Folder holding the dataset files, or its torchvision root (ROOT/FashionMNIST/raw, ROOT/MNIST/raw), or 'embedded'. Without it: quick uses the embedded subset (cifar100: the search below); paper searches $BILATERALNEURO_DATA/<dataset>, the user cache (~/.cache/bilateralneuro/<dataset>), the Debian package folder, and refuses to fall back to the embedded subset." };
    public Option<string> Device { get; } = new("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
    public Option<int?> Seeds { get; } = new("--seeds") { Description = "Number of seeds (0..n-1); default: the preset's.", CustomParser = r => ParseInt(r) };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Training epochs; default: the preset's.", CustomParser = r => ParseInt(r) };
    public Option<string> Preset { get; } = new("--preset") { Description = "quick (CPU minutes, embedded data) or paper (the paper's settings, full data).", DefaultValueFactory = _ => "quick" };
    public Option<DirectoryInfo> Out { get; } = new("--out") { Description = "Output folder for results.json, results.csv, report.md, metrics CSVs and figures.", DefaultValueFactory = _ => new DirectoryInfo("runs/latest") };
    public Option<bool> Json { get; } = new("--json") { Description = "Print results.json to stdout and plain progress lines instead of progress bars." };
    public Option<bool> KeepCheckpoints { get; } = new("--keep-checkpoints") { Description = "Keep OUT/checkpoints (finished units and trained weights) after a successful run; by default they are deleted once results are written. A stopped run always keeps them and resumes from them." };
    public Option<string> Shard { get; } = new("--shard") { Description = "Run only slice i/n of the sweep (for Slurm job arrays); merge with `report`.", DefaultValueFactory = _ => "1/1" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for LibTorch; default: the CPUs this process may use (affinity, cgroup quota, SLURM_CPUS_PER_TASK, OMP_NUM_THREADS).", CustomParser = r => ParseInt(r) };
    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the resolved options (library names), the data and the units that would run as JSON, and exit without training." };
    public Option<DirectoryInfo?> TensorBoard { get; } = new("--tensorboard") { Description = "Also write TensorBoard event files (per-step loss/accuracy, per-epoch metrics) into this folder." };

    /// <summary>Presets beyond quick and paper that one command accepts (synchrony: reference, the reference's full scale).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ExtraPresets = new Dictionary<string, string[]> { ["synchrony"] = ["reference"] };

    /// <summary>
    /// The options that never change results (excluded from the checkpoint fingerprint). <c>--workers</c> (synchrony)
    /// only splits the units over processes, like <c>--threads</c> it changes nothing but float noise.
    /// </summary>
    public static readonly IReadOnlySet<string> OutputOnly = new HashSet<string>
        { "--out", "--json", "--keep-checkpoints", "--device", "--threads", "--dry-run", "--tensorboard", "--workers" };

    /// <summary>
    /// The worker processes of a parsed command line for <paramref name="units"/> units: <paramref name="workers"/> if
    /// given, else 1 with --tensorboard (workers write no metrics or events) and otherwise
    /// <see cref="ExperimentWorkers.DefaultCount"/>; never more than the units. One rule for every command with --workers.
    /// </summary>
    /// <exception cref="ArgumentException">--workers below 1, or above 1 together with --tensorboard.</exception>
    public int WorkerCount(ParseResult parse, Option<int?> workers, int units)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(workers);
        bool tensorBoard = parse.GetResult(TensorBoard) is { Implicit: false };
        if (parse.GetValue(workers) is { } given)
        {
            if (given < 1) throw new ArgumentException($"--workers must be at least 1 (got {given}).");
            if (given > 1 && tensorBoard)
                throw new ArgumentException($"--workers {given}: worker processes write no TensorBoard events or metrics CSVs; use --workers 1 with --tensorboard.");
            return Math.Max(1, Math.Min(given, units));
        }
        return tensorBoard ? 1 : Math.Max(1, Math.Min(ExperimentWorkers.DefaultCount(), units));
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Dataset, DataDir, Device, Seeds, Epochs, Preset, Out, Json, Shard, KeepCheckpoints, Threads, DryRun, TensorBoard })
            command.Options.Add(o);
        command.Validators.Add(result =>
        {
            var preset = Value(result, Preset) ?? "quick";
            var extra = ExtraPresets.GetValueOrDefault(result.Command.Name, []);
            if (preset is not ("quick" or "paper" or "full") && !extra.Contains(preset))
                result.AddError($"--preset: '{preset}' is not a preset; expected quick{string.Concat(extra.Select(p => ", " + p))} or paper.");
            if (Value(result, Seeds) is < 1) result.AddError("--seeds must be at least 1.");
            if (Value(result, Epochs) is < 1) result.AddError("--epochs must be at least 1.");
            if (Value(result, Threads) is < 1) result.AddError("--threads must be at least 1.");
            var device = Value(result, Device) ?? "auto";
            if (!IsDevice(device)) result.AddError($"--device: '{device}' is not a device; expected auto, cpu, cuda or cuda:N.");
            try { BilateralNeuro.Reporting.Shard.Parse(Value(result, Shard)); }
            catch (ArgumentException e) { result.AddError(e.Message); }
            var dataset = Value(result, Dataset) ?? "default";
            if (dataset != "default" && CliData.Canonical(dataset) is null)
                result.AddError($"--dataset: '{dataset}' is not a dataset this tool knows; expected one of {string.Join(", ", CliData.Known)}.");
        });
    }

    private static bool IsDevice(string text) =>
        text is "auto" or "cpu" or "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out var n) && n >= 0;

    /// <summary>
    /// The value of <paramref name="option"/>, or default when its text could not be converted (the parser already
    /// reported that error; reading it again would throw).
    /// </summary>
    public static T? Value<T>(CommandResult result, Option<T> option)
    {
        var r = result.GetResult(option);
        if (r is not null && r.Errors.Any()) return default;
        try { return result.GetValue(option); }
        catch (InvalidOperationException) { return default; }
    }

    /// <summary>Parses a whole number with a message naming the option and what was expected.</summary>
    public static int? ParseInt(ArgumentResult result)
    {
        if (result.Tokens.Count == 0) return null;
        var text = result.Tokens[^1].Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return value;
        result.AddError($"{OptionName(result)}: '{text}' is not a whole number.");
        return null;
    }

    /// <summary>Parses a number with a message naming the option and what was expected.</summary>
    public static double? ParseDouble(ArgumentResult result)
    {
        if (result.Tokens.Count == 0) return null;
        var text = result.Tokens[^1].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)) return value;
        result.AddError($"{OptionName(result)}: '{text}' is not a number.");
        return null;
    }

    private static string OptionName(ArgumentResult result) => result.Parent is OptionResult o ? o.Option.Name : result.Argument.Name;
}
