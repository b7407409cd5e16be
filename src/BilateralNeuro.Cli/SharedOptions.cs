using System.CommandLine;

namespace BilateralNeuro.Cli;

/// <summary>Options every experiment subcommand accepts.</summary>
public sealed class SharedOptions
{
    public Option<string> Dataset { get; } = new("--dataset") { Description = "Dataset: the experiment's embedded default, or e.g. cifar100, fashion-mnist, mnist.", DefaultValueFactory = _ => "default" };
    public Option<DirectoryInfo?> DataDir { get; } = new("--data-dir") { Description = "Folder holding the dataset files (otherwise: $BILATERALNEURO_DATA, the user cache, the Debian package folder, then the embedded subset)." };
    public Option<string> Device { get; } = new("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
    public Option<int?> Seeds { get; } = new("--seeds") { Description = "Number of seeds (0..n-1); default: the preset's." };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Training epochs; default: the preset's." };
    public Option<string> Preset { get; } = new("--preset") { Description = "quick (CPU minutes, embedded data) or paper (the paper's settings).", DefaultValueFactory = _ => "quick" };
    public Option<DirectoryInfo> Out { get; } = new("--out") { Description = "Output folder for results.json, results.csv, report.md and figures.", DefaultValueFactory = _ => new DirectoryInfo("runs/latest") };
    public Option<bool> Json { get; } = new("--json") { Description = "Print results.json to stdout and plain progress lines instead of progress bars." };
    public Option<bool> KeepCheckpoints { get; } = new("--keep-checkpoints") { Description = "Keep OUT/checkpoints (finished units and trained weights) after a successful run; by default they are deleted once results are written. A stopped run always keeps them and resumes from them." };
    public Option<string> Shard { get; } = new("--shard") { Description = "Run only slice i/n of the sweep (for Slurm job arrays); merge with `report`.", DefaultValueFactory = _ => "1/1" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Dataset, DataDir, Device, Seeds, Epochs, Preset, Out, Json, Shard, KeepCheckpoints }) command.Options.Add(o);
        command.Validators.Add(result =>
        {
            var preset = result.GetValue(Preset) ?? "quick";
            if (preset is not ("quick" or "paper" or "full"))
                result.AddError($"--preset: '{preset}' is not a preset; expected quick or paper.");
            if (result.GetValue(Seeds) is < 1) result.AddError("--seeds must be at least 1.");
            if (result.GetValue(Epochs) is < 1) result.AddError("--epochs must be at least 1.");
            try { BilateralNeuro.Experiments.Shard.Parse(result.GetValue(Shard)); }
            catch (ArgumentException e) { result.AddError(e.Message); }
        });
    }
}
