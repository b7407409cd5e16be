using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Backbones;

/// <summary>
/// VGG 11/13/16 (configurations A, B, D) with torchvision's layout and state_dict keys (<c>features.N</c>,
/// <c>classifier.N</c>), optionally with batch norm (torchvision's <c>vgg11_bn</c> etc.), in one of two modes:
/// <list type="bullet">
/// <item><description><b>Classifier</b> (the constructor, <see cref="Vgg11"/>, <see cref="Vgg13"/>, <see cref="Vgg16"/>):
/// torchvision's network, so ImageNet weights exported with TorchSharp's exportsd format load with
/// <c>model.load(path)</c>. <c>avgpool</c> is AdaptiveAvgPool2d(7,7) so images from 32 px up pass; classifier:
/// <c>classifier.0</c> Linear(512·49, 4096) (fc6), ReLU, Dropout, <c>classifier.3</c> Linear(4096,4096) (fc7), ReLU,
/// Dropout, <c>classifier.6</c> Linear(4096, n). Weights are initialised as torchvision does.</description></item>
/// <item><description><b>Feature extractor</b> (<see cref="CreateFeatureExtractor"/>, the bilateral hemisphere): the same
/// <c>features.N</c> trunk without its fifth max-pool, then adaptive average pooling to one vector of
/// <see cref="FeatureSize"/> = last-block channels, so 28x28 and 32x32 images both pass (sides from 16 px). By default
/// with batch norm and convolutions without bias, initialised as PyTorch does (the bilateral code's VGG-11:
/// 9.22 M parameters at width 1). No classifier, so its state_dict holds <c>features.*</c> only.</description></item>
/// </list>
/// A width multiplier scales every conv and fc width (<see cref="ChannelWidth.Scale"/>).
/// </summary>
public sealed class Vgg : FeatureExtractor, ITorchvisionConvNet
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential? classifier;

    /// <summary>torchvision's layer configurations: channel counts, 0 = max pool.</summary>
    public static IReadOnlyDictionary<int, int[]> Configurations { get; } = new Dictionary<int, int[]>
    {
        [11] = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        [13] = [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        [16] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
    };

    /// <summary>Creates a VGG classifier of the given depth (11, 13 or 16) in torchvision's layout.</summary>
    /// <param name="depth">11, 13 or 16.</param>
    /// <param name="classes">Output classes (1000 for ImageNet weights).</param>
    /// <param name="width">Multiplier of every conv and fc width (1.0 = torchvision).</param>
    /// <param name="batchNorm">Insert BatchNorm2d after every conv (torchvision's <c>_bn</c> variants).</param>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="dropout">Dropout probability after fc6 and fc7.</param>
    public Vgg(int depth, int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3, double dropout = 0.5)
        : this(depth, width, batchNorm, inputChannels, classifierClasses: classes, dropout, convBias: true)
    {
    }

    private Vgg(int depth, double width, bool batchNorm, int inputChannels, int? classifierClasses, double dropout, bool convBias)
        : base("VGG" + depth)
    {
        if (!Configurations.TryGetValue(depth, out var config))
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "Vgg: depth must be 11, 13 or 16.");
        if (classifierClasses is < 1) throw new ArgumentOutOfRangeException("classes", classifierClasses, "Vgg: classes must be at least 1.");
        ChannelWidth.Check(width, "Vgg");
        if (inputChannels < 1) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "Vgg: input channels must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Vgg: dropout must lie in [0, 1).");
        bool isFeatureExtractor = classifierClasses is null;
        // The feature extractor drops the fifth max-pool (the adaptive pool to 1x1 takes its place).
        var layout = isFeatureExtractor ? config[..^1] : config;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var blocks = new List<ConvBlock>();
        int cin = inputChannels, index = 0;
        foreach (var v in layout)
        {
            if (v == 0)
            {
                layers.Add((index.ToString(), new MaxPool(2, 2)));
                blocks.Add(new ConvBlock("block" + (blocks.Count + 1), index, cin));
                index++;
                continue;
            }
            int cout = ChannelWidth.Scale(v, width);
            layers.Add(((index++).ToString(), Conv2d(cin, cout, 3, padding: 1, bias: convBias)));
            if (batchNorm) layers.Add(((index++).ToString(), BatchNorm2d(cout)));
            // In place only after batch norm in the feature extractor (as the bilateral code): never on a conv output
            // that Grad-CAM may hold.
            layers.Add(((index++).ToString(), ReLU(inplace: isFeatureExtractor && batchNorm)));
            cin = cout;
        }
        if (isFeatureExtractor) blocks.Add(new ConvBlock("block" + (blocks.Count + 1), index - 1, cin));
        features = Sequential(layers);
        Depth = depth;
        BatchNorm = batchNorm;
        ConvBlocks = blocks;
        FeatureChannels = cin;
        InputChannels = inputChannels;
        Width = width;
        if (classifierClasses is int classes)
        {
            int h = ChannelWidth.Scale(4096, width);
            avgpool = AdaptiveAvgPool2d((7, 7));
            classifier = Sequential(
                ("0", Linear(cin * 49, h)), ("1", ReLU()), ("2", Dropout(dropout)),
                ("3", Linear(h, h)), ("4", ReLU()), ("5", Dropout(dropout)),
                ("6", Linear(h, classes)));
            HiddenFeatures = h;
            Classes = classes;
            FeatureSize = classes;
            MinimumInputSize = 32;
        }
        else
        {
            avgpool = AdaptiveAvgPool2d(1);
            FeatureSize = cin;
            MinimumInputSize = 16;
        }
        RegisterComponents();
        if (!isFeatureExtractor) InitialiseLikeTorchvision();
    }

    /// <summary>
    /// A VGG feature extractor (the bilateral hemisphere): the conv trunk in torchvision's <c>features.N</c> layout
    /// without the fifth max-pool, pooled to (N, <see cref="FeatureSize"/>). Defaults are the bilateral code's VGG-11:
    /// batch norm, convolutions without bias, PyTorch's default initialisation.
    /// </summary>
    /// <param name="depth">11, 13 or 16.</param>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="width">Channel multiplier.</param>
    /// <param name="batchNorm">Batch norm after every conv (default true).</param>
    /// <param name="convBias">Biases in the convolutions (default: only without batch norm).</param>
    public static Vgg CreateFeatureExtractor(int depth, int inputChannels = 3, double width = 1.0, bool batchNorm = true, bool? convBias = null) =>
        new(depth, width, batchNorm, inputChannels, classifierClasses: null, dropout: 0, convBias: convBias ?? !batchNorm);

    // torchvision's VGG init: conv kaiming-normal (fan-out, ReLU), BN weight 1 / bias 0, linear N(0, 0.01), biases 0.
    private void InitialiseLikeTorchvision()
    {
        using var _ = no_grad();
        foreach (var m in modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                    if (conv.bias is not null) init.zeros_(conv.bias);
                    break;
                case BatchNorm2d bn:
                    init.constant_(bn.weight, 1);
                    init.zeros_(bn.bias);
                    break;
                case Linear linear:
                    init.normal_(linear.weight, 0, 0.01);
                    if (linear.bias is not null) init.zeros_(linear.bias);
                    break;
            }
        }
    }

    /// <summary>VGG11 classifier (configuration A).</summary>
    public static Vgg Vgg11(int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3) => new(11, classes, width, batchNorm, inputChannels);
    /// <summary>VGG13 classifier (configuration B).</summary>
    public static Vgg Vgg13(int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3) => new(13, classes, width, batchNorm, inputChannels);
    /// <summary>VGG16 classifier (configuration D).</summary>
    public static Vgg Vgg16(int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3) => new(16, classes, width, batchNorm, inputChannels);

    /// <summary>11, 13 or 16.</summary>
    public int Depth { get; }
    /// <summary>Whether every conv is followed by batch norm.</summary>
    public bool BatchNorm { get; }
    /// <summary>True for <see cref="CreateFeatureExtractor"/>: no classifier, <c>forward</c> returns pooled features.</summary>
    public bool IsFeatureExtractor => classifier is null;
    /// <summary>The architecture: <see cref="BackboneKind.Vgg11"/>, <see cref="BackboneKind.Vgg13"/> or <see cref="BackboneKind.Vgg16"/>.</summary>
    public BackboneKind Kind => Depth switch { 11 => BackboneKind.Vgg11, 13 => BackboneKind.Vgg13, _ => BackboneKind.Vgg16 };
    /// <inheritdoc />
    public string Architecture => "VGG" + Depth + (BatchNorm ? "-BN" : "");
    /// <inheritdoc />
    public Sequential Features => features;
    /// <inheritdoc />
    public AdaptiveAvgPool2d AvgPool => avgpool;
    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">A feature extractor has no classifier.</exception>
    public Sequential Classifier => classifier
        ?? throw new InvalidOperationException($"{Architecture}: a feature extractor has no classifier; create a classifier with new Vgg(depth, classes).");
    /// <inheritdoc />
    public IReadOnlyList<ConvBlock> ConvBlocks { get; }
    /// <inheritdoc />
    public int Fc6Index => 0;
    /// <inheritdoc />
    public int Fc6ActivationIndex => 1;
    /// <inheritdoc />
    public int OutputIndex => 6;
    /// <inheritdoc />
    public int FeatureChannels { get; }
    /// <summary>Width of fc6 and fc7 (0 for a feature extractor).</summary>
    public int HiddenFeatures { get; }
    /// <summary>Side of the adaptive pool's output: 7 (1 for a feature extractor).</summary>
    public int PoolSize => IsFeatureExtractor ? 1 : 7;
    /// <inheritdoc />
    public override int InputChannels { get; }
    /// <summary>Smallest image side: 32 for the classifier, 16 for the feature extractor (four max-pools).</summary>
    public override int MinimumInputSize { get; }
    /// <summary>Number of output classes (0 for a feature extractor).</summary>
    public int Classes { get; }
    /// <summary>Length of <c>forward</c>'s output: the classes, or the last block's channels for a feature extractor.</summary>
    public override int FeatureSize { get; }
    /// <inheritdoc />
    public double Width { get; }

    /// <summary>Maps images (N, C, H, W) to logits (N, classes), or to features (N, <see cref="FeatureSize"/>) for a feature extractor.</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, Architecture, minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return (classifier is null ? x : classifier.call(x)).MoveToOuterDisposeScope();
    }
}
