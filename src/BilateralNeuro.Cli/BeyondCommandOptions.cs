using System.CommandLine;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// The option definitions of the <c>beyond</c> subcommand (the shared ones plus --variants and --train-limit) and the
/// binder that turns a parsed command line into <see cref="BeyondExperimentOptions"/>. The CLI command and
/// samples/Beyond both use this one definition, so the same arguments give the same experiment options.
/// </summary>
public sealed class BeyondCommandOptions
{
    /// <summary>The options every experiment subcommand accepts.</summary>
    public SharedOptions Shared { get; } = new();
    public Option<string?> Variants { get; } = new("--variants") { Description = "Comma-separated variants: paper, asymmetric, callosal, lattice, selfsup, contrastive, sync, coupled, frozenphase (the control of sync); '+' combines (e.g. callosal+selfsup, sync+contrastive). Default: paper, asymmetric, callosal, lattice, selfsup." };
    public Option<int?> TrainLimit { get; } = new("--train-limit") { Description = "Use only the first N training images (quick: 2,500; paper: all).", CustomParser = r => SharedOptions.ParseInt(r) };

    /// <summary>The beyond-only options (besides <see cref="Shared"/>).</summary>
    public Option[] Own => [Variants, TrainLimit];

    /// <summary>Adds the shared and the beyond options (with the shared validation) to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Shared.AddTo(command);
        foreach (var o in Own) command.Options.Add(o);
    }

    /// <summary>
    /// The experiment options of a parsed command line: <see cref="BeyondExperimentOptions"/>' defaults (quick; any other
    /// preset lifts the train and test limits), then --variants, --train-limit, --seeds N (0..N-1) and --epochs (stage 1).
    /// Shard slicing and validation are left to the caller.
    /// </summary>
    /// <param name="parse">A parse of a command built with <see cref="AddTo"/>.</param>
    public BeyondExperimentOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var options = new BeyondExperimentOptions();
        if (parse.GetValue(Shared.Preset) != "quick") options.TrainLimit = options.TestLimit = null;
        if (parse.GetValue(Variants) is { } v) options.Variants = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (parse.GetValue(TrainLimit) is { } n) options.TrainLimit = n;
        if (parse.GetValue(Shared.Seeds) is { } s) options.Seeds = Enumerable.Range(0, s).ToList();
        if (parse.GetValue(Shared.Epochs) is { } e) options.Training.Bilateral.Stage1.Epochs = e;
        return options;
    }
}
