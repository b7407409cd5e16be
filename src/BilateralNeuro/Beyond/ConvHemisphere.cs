using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Beyond;

/// <summary>
/// A feed-forward convolutional hemisphere split into stages over an existing backbone (the library's
/// <see cref="ResNet9"/>, <see cref="ResNetCifar"/>, or <see cref="WideShallowNet"/>): the backbone is registered as
/// <c>backbone</c> (its state_dict keys are unchanged: <c>backbone.prep.0.weight</c>, ...) and the stages call its
/// children in the backbone's own order, so running all stages equals the backbone's forward pass. Readout: global
/// average pooling of the last stage.
/// </summary>
public sealed class ConvHemisphere : StagedHemisphere
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly nn.Module<Tensor, Tensor>[][] stages;
    private readonly int[] channels;
    private readonly string description;
    private PhaseSyncBlock? sync;

    private ConvHemisphere(nn.Module<Tensor, Tensor> backbone, nn.Module<Tensor, Tensor>[][] stages, int[] channels,
        int inputChannels, HemisphereObjective objective, string description) : base(nameof(ConvHemisphere), objective, inputChannels)
    {
        this.backbone = backbone;
        this.stages = stages;
        this.channels = channels;
        this.description = description;
        RegisterComponents();
    }

    /// <summary>The paper's ResNet-9 in three stages: [prep, layer1, res1] (1/2 resolution), [layer2] (1/4), [layer3, res2] (1/8).</summary>
    public static ConvHemisphere ResNet9(int inputChannels, double width, HemisphereObjective objective)
    {
        var net = new ResNet9(inputChannels, width);
        var c = Children(net);
        return new ConvHemisphere(net, [[c["prep"], c["layer1"], c["res1"]], [c["layer2"]], [c["layer3"], c["res2"]]],
            [Backbones.ChannelWidth.Scale(128, width), Backbones.ChannelWidth.Scale(256, width), Backbones.ChannelWidth.Scale(512, width)],
            inputChannels, objective, $"ResNet-9 x{width:G3}");
    }

    /// <summary>A narrow-deep CIFAR ResNet-18 in four stages: [stem, stage 0] (full resolution), [stage 1] (1/2), [stage 2] (1/4), [stage 3] (1/8).</summary>
    public static ConvHemisphere ResNet18(int inputChannels, double width, HemisphereObjective objective)
    {
        var net = ResNetCifar.ResNet18(inputChannels, width);
        var c = Children(net);
        var s = Children(c["stages"]);
        return new ConvHemisphere(net, [[c["stem"], s["0"]], [s["1"]], [s["2"]], [s["3"]]],
            Enumerable.Range(0, 4).Select(i => Backbones.ChannelWidth.Scale(64 << i, width)).ToArray(),
            inputChannels, objective, $"ResNet-18 x{width:G3}");
    }

    /// <summary>A wide-shallow network (<see cref="WideShallowNet"/>), one stage per convolution.</summary>
    public static ConvHemisphere WideShallow(int inputChannels, IReadOnlyList<int> channels, HemisphereObjective objective)
    {
        var net = new WideShallowNet(inputChannels, channels);
        var c = Children(net.Layers);
        return new ConvHemisphere(net, Enumerable.Range(0, channels.Count).Select(i => new[] { c[i.ToString()] }).ToArray(),
            channels.ToArray(), inputChannels, objective, $"wide-shallow {string.Join("-", channels)}");
    }

    /// <summary>
    /// Adds a Kuramoto block (<see cref="PhaseSyncBlock"/>) after stage <see cref="PhaseSyncOptions.AfterStage"/>,
    /// registered as <c>sync</c> (state_dict keys <c>sync.kuramoto.kernel</c>, <c>sync.mix.*</c>; the backbone's keys are unchanged).
    /// </summary>
    /// <exception cref="InvalidOperationException">The hemisphere is already synchronised.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid.</exception>
    public ConvHemisphere Synchronize(PhaseSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (sync is not null) throw new InvalidOperationException("ConvHemisphere: the hemisphere is already synchronised.");
        OptionsValidation.ThrowIfInvalid(options, new PhaseSyncOptionsValidator(stages.Length));
        sync = new PhaseSyncBlock(channels[options.AfterStage], options);
        register_module("sync", sync);
        return this;
    }

    /// <inheritdoc />
    public override PhaseSyncBlock? Sync => sync;
    /// <inheritdoc />
    public override string Description => sync is null ? description : $"{description}, Kuramoto after stage {sync.Options.AfterStage} (T {sync.Options.Steps}, k {sync.Options.KernelSize})";

    /// <summary>The wrapped backbone.</summary>
    public nn.Module<Tensor, Tensor> Backbone => backbone;
    /// <inheritdoc />
    public override int StageCount => stages.Length;
    /// <inheritdoc />
    public override IReadOnlyList<int> StageChannels => channels;
    /// <inheritdoc />
    public override int FeatureSize => channels[^1];
    /// <inheritdoc />
    public override bool SupportsLinks => true;

    /// <inheritdoc />
    public override Tensor RunStage(int index, Tensor input)
    {
        if (index < 0 || index >= stages.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"ConvHemisphere: stage must lie in [0, {stages.Length - 1}].");
        var x = input;
        foreach (var m in stages[index]) x = m.call(x);
        return x;
    }

    /// <inheritdoc />
    public override HemisphereReadout Readout(Tensor last) => new(F.adaptive_avg_pool2d(last, [1, 1]).flatten(1), null);

    private static Dictionary<string, nn.Module<Tensor, Tensor>> Children(nn.Module module) =>
        module.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
}
