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

    /// <summary>
    /// Worker processes sharing the units (seed, pre-training; random init per backbone) (<see cref="FaceAttentionWorkers"/>); default
    /// <see cref="DefaultWorkers"/>. Not an experiment option: <see cref="Bind"/> ignores it, the fingerprint excludes it.
    /// </summary>
    public Option<int?> Workers { get; } = new("--workers") { Description = "Worker processes, one LibTorch thread each (--threads sets it), sharing the units (seed, pre-training; random init per backbone), longest first; results equal the sequential run's at the same thread count. Default: 2 when this process may use at least 2 CPUs (1 with --tensorboard), else 1; --workers 1 = the sequential run in one process.", CustomParser = r => SharedOptions.ParseInt(r) };

    /// <summary>The face-attention-only options (besides <see cref="Shared"/>).</summary>
    public Option[] Own => [Workers];

    /// <summary>
    /// The worker processes of a parsed command line for the units of <paramref name="options"/>
    /// (<see cref="FaceAttentionWorkers.Units"/>; 1 when <see cref="FaceAttentionExperimentOptions.PretrainPerSeed"/> is false, since one pre-training
    /// then serves every seed): see <see cref="SharedOptions.WorkerCount"/>.
    /// </summary>
    /// <exception cref="ArgumentException">--workers below 1, or above 1 together with --tensorboard.</exception>
    public int DefaultWorkers(ParseResult parse, FaceAttentionExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int workers = Shared.WorkerCount(parse, Workers, FaceAttentionWorkers.Units(options).Count);
        return options.PretrainPerSeed ? workers : 1;
    }

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
