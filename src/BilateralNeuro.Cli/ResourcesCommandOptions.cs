using System.CommandLine;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// The option definitions of the <c>resources</c> subcommand (the shared ones) and the binder that turns a parsed
/// command line into <see cref="ResourceExperimentOptions"/>. The CLI command and samples/Resources both use this one
/// definition, so the same arguments give the same experiment options.
/// </summary>
public sealed class ResourcesCommandOptions
{
    /// <summary>The options every experiment subcommand accepts.</summary>
    public SharedOptions Shared { get; } = new();

    /// <summary>The resources-only options (besides <see cref="Shared"/>): none yet.</summary>
    public Option[] Own => [];

    /// <summary>Adds the shared and the resources options (with the shared validation) to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Shared.AddTo(command);
        foreach (var o in Own) command.Options.Add(o);
    }

    /// <summary>
    /// The experiment options of a parsed command line: the preset (quick: <see cref="ResourceExperimentOptions.Quick"/>,
    /// else <see cref="ResourceExperimentOptions.Full"/>), --epochs, and --seeds N as N seeds counted from the preset's first.
    /// Without --seeds, <see cref="ResourceExperimentOptions.Seeds"/> is the preset's. Validation is left to the caller.
    /// </summary>
    /// <param name="parse">A parse of a command built with <see cref="AddTo"/>.</param>
    public ResourceExperimentOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var options = parse.GetValue(Shared.Preset) == "quick" ? ResourceExperimentOptions.Quick() : ResourceExperimentOptions.Full();
        if (parse.GetValue(Shared.Epochs) is { } epochs) options.Training.Epochs = epochs;
        if (parse.GetValue(Shared.Seeds) is { } n) options.Seeds = Enumerable.Range(options.Seeds.Min(), n).ToList();
        return options;
    }
}
