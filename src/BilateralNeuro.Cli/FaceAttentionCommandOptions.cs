using System.CommandLine;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// The option definitions of the <c>face-attention</c> subcommand (the shared ones) and the binder that turns a parsed
/// command line into <see cref="FaceAttentionExperimentOptions"/>. The CLI command and samples/FaceAttention both use this one
/// definition, so the same arguments give the same experiment options.
/// </summary>
public sealed class FaceAttentionCommandOptions
{
    /// <summary>The options every experiment subcommand accepts.</summary>
    public SharedOptions Shared { get; } = new();

    /// <summary>The face-attention-only options (besides <see cref="Shared"/>): none yet.</summary>
    public Option[] Own => [];

    /// <summary>Adds the shared and the face-attention options (with the shared validation) to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Shared.AddTo(command);
        foreach (var o in Own) command.Options.Add(o);
    }

    /// <summary>
    /// The experiment options of a parsed command line: the preset (quick: <see cref="FaceAttentionExperimentOptions.Default"/>,
    /// else <see cref="FaceAttentionExperimentOptions.Full"/>), --seeds N as the seeds 1..N and --epochs as the pre-training
    /// epochs. Shard slicing, the device and validation are left to the caller.
    /// </summary>
    /// <param name="parse">A parse of a command built with <see cref="AddTo"/>.</param>
    public FaceAttentionExperimentOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var options = parse.GetValue(Shared.Preset) == "quick" ? FaceAttentionExperimentOptions.Default() : FaceAttentionExperimentOptions.Full();
        if (parse.GetValue(Shared.Seeds) is { } n) options.Seeds = Enumerable.Range(1, n).ToList();
        if (parse.GetValue(Shared.Epochs) is { } e) options.PretrainEpochs = e;
        return options;
    }
}
