using System.CommandLine;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>
/// The option definitions of the <c>bilateral</c> subcommand (the shared ones plus --width, --protocol, --backbone, --with-vgg11,
/// --vgg11-seeds) and
/// the binder that turns a parsed command line into <see cref="BilateralExperimentOptions"/>. The CLI command and
/// samples/Bilateral both use this one definition, so the same arguments give the same experiment options.
/// </summary>
public sealed class BilateralCommandOptions
{
    /// <summary>The options every experiment subcommand accepts.</summary>
    public SharedOptions Shared { get; } = new();
    public Option<double?> Width { get; } = new("--width") { Description = "Channel width multiplier of every backbone (quick: 0.125, paper: 1).", CustomParser = r => SharedOptions.ParseDouble(r) };
    public Option<string> Protocol { get; } = new("--protocol") { Description = "Training protocol: clean (the library's, default) or original (the original code's settings; docs/bilateral.md lists both).", DefaultValueFactory = _ => "clean" };
    public Option<string> Backbone { get; } = new("--backbone") { Description = "Hemisphere backbone: resnet9 (default) or vgg11 (the original code's VGG-11: no batch norm, fc6/fc7 kept).", DefaultValueFactory = _ => "resnet9" };
    public Option<bool> WithVgg11 { get; } = new("--with-vgg11") { Description = $"Also train VGG-11 rows beside the ResNet-9 ones: the specialised bilateral VGG-11 network, its hemispheres alone, bilateral VGG-11 end to end and unilateral VGG-11 (no VGG-11 ensembles), with the same training settings; width: quick preset {BilateralExperimentOptions.Quick().Vgg11Width?.ToString(System.Globalization.CultureInfo.InvariantCulture)}, paper preset --width." };

    public Option<string?> Vgg11Seeds { get; } = new("--vgg11-seeds") { Description = "Seeds that get the --with-vgg11 rows: N (seeds 0..N-1) or 'all'; default: quick preset 1 (seed 0 only, to stay within 5 minutes on 2 cores), paper preset all." };

    /// <summary>The bilateral-only options (besides <see cref="Shared"/>).</summary>
    public Option[] Own => [Width, Protocol, Backbone, WithVgg11, Vgg11Seeds];

    /// <summary>Adds the shared and the bilateral options (with the shared validation) to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Shared.AddTo(command);
        foreach (var o in Own) command.Options.Add(o);
    }

    /// <summary>
    /// The experiment options of a parsed command line: the preset (quick, else paper), the dataset's normalisation,
    /// --seeds (0..n-1), --epochs (stage 1 and end to end; stage 2 gets at least as many), --width, --protocol, --backbone, --with-vgg11,
    /// --vgg11-seeds (N: seeds 0..N-1; all: every seed).
    /// Shard slicing and validation are left to the caller.
    /// </summary>
    /// <param name="parse">A parse of a command built with <see cref="AddTo"/>.</param>
    /// <param name="cifar100">The data are CIFAR-100 (else the Fashion-MNIST hierarchy).</param>
    /// <exception cref="ArgumentException">--protocol or --backbone is not one the library knows, or --vgg11-seeds is neither a positive whole number nor 'all'.</exception>
    public BilateralExperimentOptions Bind(ParseResult parse, bool cifar100)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var options = parse.GetValue(Shared.Preset) == "quick" ? BilateralExperimentOptions.Quick() : BilateralExperimentOptions.Paper();
        options.Training.Normalization = cifar100 ? Normalization.Cifar100 : Normalization.FashionMnist;
        if (parse.GetValue(Shared.Seeds) is { } n) options.Seeds = Enumerable.Range(0, n).ToList();
        if (parse.GetValue(Shared.Epochs) is { } e)
        {
            options.Training.Stage1.Epochs = options.Training.EndToEnd.Epochs = e;
            options.Training.Stage2.Epochs = Math.Max(e, options.Training.Stage2.Epochs);
        }
        if (parse.GetValue(Width) is { } w) options.Width = w;
        options.Protocol = BilateralNeuro.Bilateral.Training.TrainingProtocols.Parse(parse.GetValue(Protocol));
        options.Backbone = BilateralExperimentOptions.ParseBackbone(parse.GetValue(Backbone));
        options.WithVgg11 = parse.GetValue(WithVgg11);
        if (parse.GetValue(Vgg11Seeds) is { } vs)
            options.Vgg11Seeds = vs.Trim().Equals("all", StringComparison.OrdinalIgnoreCase) ? null
                : int.TryParse(vs, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int count) && count >= 1 ? Enumerable.Range(0, count).ToList()
                : throw new ArgumentException($"--vgg11-seeds: '{vs}' is not a positive whole number of seeds or 'all'.");
        return options;
    }
}
