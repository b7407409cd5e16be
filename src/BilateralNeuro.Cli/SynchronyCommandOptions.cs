using System.CommandLine;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// The option definitions of the <c>synchrony</c> subcommand (the shared ones plus the KomplexNet knobs) and the binder
/// that turns a parsed command line into <see cref="SynchronyExperimentOptions"/>. The CLI command and samples/Synchrony
/// both use this one definition, so the same arguments give the same experiment options.
/// </summary>
public sealed class SynchronyCommandOptions
{
    /// <summary>The options every experiment subcommand accepts.</summary>
    public SharedOptions Shared { get; } = new();
    public Option<double?> SyncWeight { get; } = new("--sync-weight") { Description = "Weight of the synchrony loss in end-to-end training (default 1; the issue asks for 0.1 and 1).", CustomParser = r => SharedOptions.ParseDouble(r) };
    public Option<int?> KernelFirst { get; } = new("--kernel-first") { Description = "Kernel-first mode (the reference's 'channels'): N epochs training only the Kuramoto kernel on the synchrony loss, then the kernel frozen while the classifier trains. Default 0 = end to end.", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<int?> TrainImages { get; } = new("--train") { Description = "Composed two-digit training images (80 % train, 20 % validation); default: the preset's (quick 900, reference 60,000).", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<int?> TestImages { get; } = new("--test") { Description = "Composed test images per condition; default: the preset's (quick 300, reference 2,000).", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<int?> Batch { get; } = new("--batch") { Description = "Batch size; default: the preset's (quick 16, reference 256).", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "Adam learning rate; default: the preset's (quick 3e-3, reference 1e-2).", CustomParser = r => SharedOptions.ParseDouble(r) };
    public Option<string?> Models { get; } = new("--models") { Description = $"Comma-separated models to compare (default all: {string.Join(", ", Enum.GetNames<SynchronyModel>())})." };
    public Option<int?> Steps { get; } = new("--steps") { Description = "Kuramoto steps T (default 15, the reference's).", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<int?> Kernel { get; } = new("--kernel") { Description = "Kuramoto kernel size k (default 13, the reference's).", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<int?> MapSize { get; } = new("--map-size") { Description = "Side of the composed images and oscillator maps (quick 16, reference 32); ε follows as 0.202·(32/side)² unless --epsilon is given.", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<double?> Epsilon { get; } = new("--epsilon") { Description = "Global desynchronising coupling ε (default: 0.202·(32/map side)², which keeps the reference's local/global coupling ratio).", CustomParser = r => SharedOptions.ParseDouble(r) };
    public Option<bool> ReferenceData { get; } = new("--reference-data") { Description = "Compose the two-digit sets as the reference's generator does (ReferenceMultiMnist) instead of with the composer." };
    /// <summary>
    /// Worker processes sharing the (model, seed) units (<see cref="SynchronyWorkers"/>); default
    /// <see cref="DefaultWorkers"/>. Not an experiment option: <see cref="Bind"/> ignores it, the fingerprint excludes it.
    /// </summary>
    public Option<int?> Workers { get; } = new("--workers") { Description = "Worker processes, one LibTorch thread each (--threads sets it), sharing the (model, seed) units, Kuramoto models first; results equal the sequential run's at the same thread count. Default: 2 when this process may use at least 2 CPUs (1 with --tensorboard), else 1; --workers 1 = the sequential run in one process.", CustomParser = r => SharedOptions.ParseInt(r) };
    public Option<string?> OnlySeeds { get; } = new("--only-seeds") { Description = "Comma-separated seeds of 0..N-1 to run (default all): splits one run's (model, seed) units over processes; copy the units' journal files into one OUT/checkpoints and rerun without it to merge." };

    /// <summary>The synchrony-only options (besides <see cref="Shared"/>), in the CLI's order.</summary>
    public Option[] Own => [SyncWeight, KernelFirst, TrainImages, TestImages, Batch, LearningRate, Models, Steps, Kernel, MapSize, Epsilon, ReferenceData, OnlySeeds, Workers];

    /// <summary>
    /// The worker processes of a parsed command line for <paramref name="units"/> units: --workers if given, else 1 with
    /// --tensorboard (the workers write no metrics or events) and otherwise <see cref="ExperimentWorkers.DefaultCount"/>;
    /// never more than the units.
    /// </summary>
    /// <exception cref="ArgumentException">--workers below 1, or above 1 together with --tensorboard.</exception>
    public int DefaultWorkers(ParseResult parse, int units) => Shared.WorkerCount(parse, Workers, units);

    /// <summary>Adds the shared and the synchrony options (with the shared validation) to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Shared.AddTo(command);
        foreach (var o in Own) command.Options.Add(o);
    }

    /// <summary>
    /// The experiment options of a parsed command line: the preset (reference/paper/full: <see cref="SynchronyExperimentOptions.Reference"/>,
    /// else the defaults), then --seeds, --epochs and every synchrony option given. Shard slicing, the phase-map folder
    /// and validation are left to the caller.
    /// </summary>
    /// <param name="parse">A parse of a command built with <see cref="AddTo"/>.</param>
    /// <exception cref="ArgumentException">--models or --only-seeds names something unknown.</exception>
    public SynchronyExperimentOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var options = parse.GetValue(Shared.Preset) switch
        {
            "reference" or "paper" or "full" => SynchronyExperimentOptions.Reference(),
            _ => new SynchronyExperimentOptions(),
        };
        if (parse.GetValue(Shared.Seeds) is { } n) options.Seeds = n;
        if (parse.GetValue(Shared.Epochs) is { } e) options.Training.Epochs = e;
        if (parse.GetValue(SyncWeight) is { } w) options.Training.SynchronyWeight = w;
        if (parse.GetValue(KernelFirst) is { } kf) options.Training.KernelFirstEpochs = kf;
        if (parse.GetValue(TrainImages) is { } ti) options.TrainImages = ti;
        if (parse.GetValue(TestImages) is { } te) options.TestImages = te;
        if (parse.GetValue(Batch) is { } bs) options.Training.BatchSize = bs;
        if (parse.GetValue(LearningRate) is { } l) options.Training.LearningRate = l;
        if (parse.GetValue(Steps) is { } t) options.Steps = t;
        if (parse.GetValue(Kernel) is { } k) options.KernelSize = k;
        if (parse.GetValue(MapSize) is { } side)
        {
            options.MapSize = side;
            if (side > 0) options.Epsilon = SynchronyExperimentOptions.EpsilonFor(side);
        }
        if (parse.GetValue(Epsilon) is { } eps) options.Epsilon = eps;
        if (parse.GetValue(ReferenceData)) options.ReferenceData = true;
        if (parse.GetValue(OnlySeeds) is { } seedList)
            options.OnlySeeds = seedList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
                int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var seed) ? seed : throw new ArgumentException($"--only-seeds: '{v}' is not a whole number; expected e.g. 1,2.")).ToArray();
        if (parse.GetValue(Models) is { } list)
            options.Models = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m =>
                Enum.TryParse<SynchronyModel>(m, ignoreCase: true, out var v) && Enum.IsDefined(v) ? v
                    : throw new ArgumentException($"--models: '{m}' is not a model; expected a comma-separated list of {string.Join(", ", Enum.GetNames<SynchronyModel>())}.")).ToArray();
        return options;
    }
}
