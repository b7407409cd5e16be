using BilateralNeuro.Backbones;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Attention;

/// <summary>Entry points of the fluent transfer-model builders (AlexNet, VGG, FE-AlexNet).</summary>
/// <example><code>
/// var model = TransferModels.AlexNet().Pretrained("alexnet.dat")
///     .WithFaceAttention(a => a.Reduction(16).Before("fc6")).Classes(2).Build();
/// </code></example>
public static class TransferModels
{
    /// <summary>AlexNet (torchvision layout).</summary>
    public static TransferModelBuilder AlexNet() => new(BackboneKind.AlexNet);
    /// <summary>VGG11.</summary>
    public static TransferModelBuilder Vgg11() => new(BackboneKind.Vgg11);
    /// <summary>VGG13.</summary>
    public static TransferModelBuilder Vgg13() => new(BackboneKind.Vgg13);
    /// <summary>VGG16.</summary>
    public static TransferModelBuilder Vgg16() => new(BackboneKind.Vgg16);
    /// <summary>FE-AlexNet: AlexNet with a squeeze-excitation FaceAttention block before fc6 (r = 16).</summary>
    public static TransferModelBuilder FeAlexNet() => new TransferModelBuilder(BackboneKind.AlexNet).WithFaceAttention();
    /// <summary>
    /// A builder for any of <see cref="BackboneRegistry.TorchvisionClassifiers"/> (e.g. parsed with
    /// <see cref="BackboneRegistry.Parse"/>); another architecture is reported by <see cref="TransferModelBuilder.Build"/>.
    /// </summary>
    public static TransferModelBuilder Create(BackboneKind architecture) => new(architecture);

    /// <summary>
    /// FE-AlexNet as the stand-in lab builds it (JyBmegan/SE-AlexNet): only the conv weights carried, fc6/fc7 fresh,
    /// SE without biases, reduction 2, before fc6 on the last conv map (<see cref="FaceAttentionOptions.StandIn"/>).
    /// </summary>
    public static TransferModelBuilder SeAlexNet() =>
        new TransferModelBuilder(BackboneKind.AlexNet).CarryOver(TransferredLayers.ConvOnly).WithFaceAttention(FaceAttentionOptions.StandIn());

    /// <summary>
    /// The parameter-matched ungated control of <see cref="SeAlexNet"/>: the same two linear layers at the same place,
    /// applied as a residual MLP on the pooled channels without the sigmoid gate (<see cref="FaceAttentionOptions.UngatedControl"/>).
    /// </summary>
    public static TransferModelBuilder UngatedAlexNet() =>
        new TransferModelBuilder(BackboneKind.AlexNet).CarryOver(TransferredLayers.ConvOnly).WithFaceAttention(FaceAttentionOptions.UngatedControl());
}

/// <summary>Configures the attention block of a <see cref="TransferModelBuilder"/>.</summary>
public sealed class FaceAttentionBuilder
{
    internal FaceAttentionOptions Options { get; init; } = new();

    /// <summary>Squeeze-excitation reduction ratio r (default 16).</summary>
    public FaceAttentionBuilder Reduction(int r) { Options.Reduction = r; return this; }
    /// <summary>Linear layers without biases (as the stand-in's SELayer).</summary>
    public FaceAttentionBuilder WithoutBias() { Options.Bias = false; return this; }
    /// <summary>The ungated parameter-matched control (<see cref="AttentionMode.ResidualMlp"/>) instead of the SE gate.</summary>
    public FaceAttentionBuilder Ungated() { Options.Mode = AttentionMode.ResidualMlp; return this; }
    /// <summary>Adds a CBAM-style spatial map with a k×k kernel.</summary>
    public FaceAttentionBuilder WithSpatialMap(int kernel = 7) { Options.Spatial = true; Options.SpatialKernel = kernel; return this; }
    /// <summary>Inserts the block before a layer; only <c>fc6</c> is supported (the pooled map).</summary>
    public FaceAttentionBuilder Before(string layer)
    {
        if (string.Equals(layer, "fc6", StringComparison.OrdinalIgnoreCase)) Options.Insertion = InsertionKind.BeforeFc6;
        else { Options.Insertion = InsertionKind.AfterConvBlock; Options.Block = "?before:" + layer; }
        return this;
    }
    /// <summary>Inserts the block after a named conv block (conv1..conv5 for AlexNet, block1..block5 for VGG).</summary>
    public FaceAttentionBuilder After(string block) { Options.Insertion = InsertionKind.AfterConvBlock; Options.Block = block; return this; }
    /// <summary>Inserts the block on a layer's activations; only <c>fc6</c> is supported.</summary>
    public FaceAttentionBuilder On(string layer)
    {
        if (string.Equals(layer, "fc6", StringComparison.OrdinalIgnoreCase)) Options.Insertion = InsertionKind.OnFc6;
        else { Options.Insertion = InsertionKind.AfterConvBlock; Options.Block = "?on:" + layer; }
        return this;
    }
}

/// <summary>
/// Fluent builder of a <see cref="TransferModel"/>: architecture, width, pretrained weights (exportsd file or an
/// in-memory backbone), optional FaceAttention, classes, head name and freezing. Validates once at <see cref="Build"/>
/// and throws <see cref="OptionsValidationException"/> listing every problem.
/// </summary>
public sealed class TransferModelBuilder
{
    private readonly BackboneKind architecture;
    private double width = 1.0;
    private int inputChannels = 3;
    private bool batchNorm;
    private string? pretrainedPath;
    private int pretrainedClasses = 1000;
    private ITorchvisionConvNet? backbone;
    private FaceAttentionOptions? attention;
    private int classes = 2;
    private string head = "valence";
    private bool freeze = true;
    private double dropout = 0.5;
    private TransferredLayers transferred = TransferredLayers.ConvAndFullyConnected;

    internal TransferModelBuilder(BackboneKind architecture) => this.architecture = architecture;

    /// <summary>Width multiplier of every conv and fc layer (1.0 = torchvision; needed 1.0 for ImageNet weights).</summary>
    public TransferModelBuilder Width(double value) { width = value; return this; }
    /// <summary>Image channels (3 by default).</summary>
    public TransferModelBuilder InputChannels(int value) { inputChannels = value; return this; }
    /// <summary>VGG with batch norm (torchvision's <c>_bn</c> variants).</summary>
    public TransferModelBuilder WithBatchNorm(bool value = true) { batchNorm = value; return this; }
    /// <summary>Loads weights saved in TorchSharp's format (e.g. exported from torchvision with exportsd.py).</summary>
    /// <param name="path">The weights file.</param>
    /// <param name="classes">Classes of the saved output layer (1000 for ImageNet).</param>
    public TransferModelBuilder Pretrained(string path, int classes = 1000) { pretrainedPath = path; pretrainedClasses = classes; return this; }
    /// <summary>Starts from an existing (e.g. face- or object-pretrained) backbone; its modules are taken over.</summary>
    public TransferModelBuilder FromBackbone(ITorchvisionConvNet network) { backbone = network; return this; }
    /// <summary>
    /// Adds a FaceAttention block (default: r = 16 before fc6), or adjusts the one already configured (e.g. by
    /// <see cref="TransferModels.SeAlexNet"/>): <paramref name="configure"/> starts from the current settings.
    /// </summary>
    public TransferModelBuilder WithFaceAttention(Action<FaceAttentionBuilder>? configure = null)
    {
        var b = new FaceAttentionBuilder { Options = attention is null ? new FaceAttentionOptions() : Copy(attention) };
        configure?.Invoke(b);
        attention = b.Options;
        return this;
    }
    /// <summary>Starts the attention block from a copy of <paramref name="options"/> (e.g. <see cref="FaceAttentionOptions.StandIn"/>).</summary>
    public TransferModelBuilder WithFaceAttention(FaceAttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        attention = Copy(options);
        return this;
    }

    private static FaceAttentionOptions Copy(FaceAttentionOptions o) => new()
    {
        Reduction = o.Reduction, Spatial = o.Spatial, SpatialKernel = o.SpatialKernel, Insertion = o.Insertion,
        Block = o.Block, RecordWeights = o.RecordWeights, Mode = o.Mode, Bias = o.Bias,
    };
    /// <summary>
    /// Which pretrained weights are carried: conv and fc6/fc7 (default) or only the conv weights, with fc6/fc7
    /// re-initialised as the stand-in lab does.
    /// </summary>
    public TransferModelBuilder CarryOver(TransferredLayers layers) { transferred = layers; return this; }
    /// <summary>Removes the attention block.</summary>
    public TransferModelBuilder WithoutFaceAttention() { attention = null; return this; }
    /// <summary>Classes of the new output layer (2 for negative/positive valence).</summary>
    public TransferModelBuilder Classes(int value) { classes = value; return this; }
    /// <summary>Name of the output head (default <c>valence</c>).</summary>
    public TransferModelBuilder Head(string name) { head = name; return this; }
    /// <summary>Freeze the conv features (default true).</summary>
    public TransferModelBuilder FreezeFeatures(bool value = true) { freeze = value; return this; }
    /// <summary>Dropout of the classifier (0.5 as torchvision).</summary>
    public TransferModelBuilder Dropout(double value) { dropout = value; return this; }

    /// <summary>Validates everything, builds (and loads) the backbone, and wraps it.</summary>
    /// <exception cref="OptionsValidationException">Some setting is invalid (all are listed).</exception>
    public TransferModel Build()
    {
        var errors = new List<string>();
        if (width is <= 0 or > 4) errors.Add($"Width must lie in (0, 4] (got {width}).");
        if (inputChannels < 1) errors.Add($"InputChannels must be positive (got {inputChannels}).");
        if (classes < 1) errors.Add($"Classes must be at least 1 (got {classes}).");
        if (string.IsNullOrWhiteSpace(head)) errors.Add("Head needs a name.");
        if (dropout is < 0 or >= 1) errors.Add($"Dropout must lie in [0, 1) (got {dropout}).");
        if (pretrainedPath is not null && backbone is not null) errors.Add("Choose either Pretrained(path) or FromBackbone(network), not both.");
        if (pretrainedPath is not null && !File.Exists(pretrainedPath)) errors.Add($"Pretrained weights file '{pretrainedPath}' does not exist.");
        if (pretrainedClasses < 1) errors.Add($"Pretrained classes must be at least 1 (got {pretrainedClasses}).");
        if (!Enum.IsDefined(transferred)) errors.Add($"CarryOver must be ConvAndFullyConnected or ConvOnly (got {(int)transferred}).");
        bool known = BackboneRegistry.TorchvisionClassifiers.Contains(architecture);
        if (!known) errors.Add($"Architecture {architecture} is not a transfer-model architecture; use one of {string.Join(", ", BackboneRegistry.TorchvisionClassifiers)}.");
        if (batchNorm && architecture == BackboneKind.AlexNet) errors.Add("AlexNet has no batch-norm variant.");
        if (backbone is not null && backbone.Kind != architecture)
            errors.Add($"FromBackbone got a {backbone.Architecture} but the builder is for {BackboneRegistry.DisplayName(architecture)}.");
        if (backbone is Vgg { IsFeatureExtractor: true })
            errors.Add($"FromBackbone got a {backbone.Architecture} feature extractor; a transfer model needs the classifier network (new Vgg(depth, classes)).");
        if (attention is not null)
        {
            var r = new FaceAttentionOptionsValidator().Validate(null, attention);
            if (r.Failed) errors.AddRange(r.Failures);
            if (attention.Block is { } blk && blk.StartsWith('?'))
                errors.Add($"Unsupported attention point '{blk[1..]}': use Before(\"fc6\"), On(\"fc6\") or After(<conv block>).");
            else if (attention.Insertion == InsertionKind.AfterConvBlock && attention.Block is not null)
            {
                var names = architecture == BackboneKind.AlexNet ? new[] { "conv1", "conv2", "conv3", "conv4", "conv5" } : new[] { "block1", "block2", "block3", "block4", "block5" };
                if (!names.Contains(attention.Block, StringComparer.OrdinalIgnoreCase))
                    errors.Add($"Unknown conv block '{attention.Block}' for {architecture}; use one of {string.Join(", ", names)}.");
            }
        }
        if (errors.Count > 0) throw new OptionsValidationException(nameof(TransferModelBuilder), typeof(TransferModelBuilder), errors);

        var net = backbone ?? Create(pretrainedPath is null ? classes : pretrainedClasses);
        if (pretrainedPath is not null) ((TorchSharp.torch.nn.Module)net).load(pretrainedPath);
        return new TransferModel(net, classes, head, attention, freeze, transferred: transferred);
    }

    private ITorchvisionConvNet Create(int outputs) => architecture == BackboneKind.AlexNet
        ? new AlexNet(outputs, width, inputChannels, dropout)
        : new Vgg(BackboneRegistry.VggDepth(architecture)!.Value, outputs, width, batchNorm, inputChannels, dropout);
}
