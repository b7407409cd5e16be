using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Backbones;

/// <summary>
/// VGG 11/13/16 (configurations A, B, D) with torchvision's exact layout and state_dict keys (<c>features.N</c>,
/// <c>classifier.N</c>), optionally with batch norm (torchvision's <c>vgg11_bn</c> etc.), so ImageNet weights exported
/// with TorchSharp's exportsd format load with <c>model.load(path)</c>. <c>avgpool</c> is AdaptiveAvgPool2d(7,7) so
/// images from 32 px up pass; classifier: <c>classifier.0</c> Linear(512·49, 4096) (fc6), ReLU, Dropout,
/// <c>classifier.3</c> Linear(4096,4096) (fc7), ReLU, Dropout, <c>classifier.6</c> Linear(4096, n). A width multiplier
/// scales every conv and fc width. Weights are initialised as torchvision does. This is the plain classifier network, not the bilateral hemisphere.
/// </summary>
public sealed class Vgg : Module<Tensor, Tensor>, ITorchvisionConvNet
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    /// <summary>torchvision's layer configurations: channel counts, 0 = max pool.</summary>
    public static IReadOnlyDictionary<int, int[]> Configurations { get; } = new Dictionary<int, int[]>
    {
        [11] = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        [13] = [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        [16] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
    };

    /// <summary>Creates a VGG of the given depth (11, 13 or 16).</summary>
    /// <param name="depth">11, 13 or 16.</param>
    /// <param name="classes">Output classes (1000 for ImageNet weights).</param>
    /// <param name="width">Multiplier of every conv and fc width (1.0 = torchvision).</param>
    /// <param name="batchNorm">Insert BatchNorm2d after every conv (torchvision's <c>_bn</c> variants).</param>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="dropout">Dropout probability after fc6 and fc7.</param>
    public Vgg(int depth, int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3, double dropout = 0.5)
        : base("VGG" + depth)
    {
        if (!Configurations.TryGetValue(depth, out var config))
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "Vgg: depth must be 11, 13 or 16.");
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "Vgg: classes must be at least 1.");
        if (width is <= 0 or > 4) throw new ArgumentOutOfRangeException(nameof(width), width, "Vgg: width must lie in (0, 4].");
        if (inputChannels < 1) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "Vgg: input channels must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Vgg: dropout must lie in [0, 1).");
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var blocks = new List<ConvBlock>();
        int cin = inputChannels, index = 0;
        foreach (var v in config)
        {
            if (v == 0)
            {
                layers.Add((index.ToString(), MaxPool2d(2, stride: 2)));
                blocks.Add(new ConvBlock("block" + (blocks.Count + 1), index, cin));
                index++;
                continue;
            }
            int cout = S(v, width);
            layers.Add(((index++).ToString(), Conv2d(cin, cout, 3, padding: 1)));
            if (batchNorm) layers.Add(((index++).ToString(), BatchNorm2d(cout)));
            layers.Add(((index++).ToString(), ReLU()));
            cin = cout;
        }
        int h = S(4096, width);
        features = Sequential(layers);
        avgpool = AdaptiveAvgPool2d((7, 7));
        classifier = Sequential(
            ("0", Linear(cin * 49, h)), ("1", ReLU()), ("2", Dropout(dropout)),
            ("3", Linear(h, h)), ("4", ReLU()), ("5", Dropout(dropout)),
            ("6", Linear(h, classes)));
        Depth = depth;
        BatchNorm = batchNorm;
        ConvBlocks = blocks;
        FeatureChannels = cin;
        HiddenFeatures = h;
        InputChannels = inputChannels;
        Classes = classes;
        Width = width;
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

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

    /// <summary>VGG11 (configuration A).</summary>
    public static Vgg Vgg11(int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3) => new(11, classes, width, batchNorm, inputChannels);
    /// <summary>VGG13 (configuration B).</summary>
    public static Vgg Vgg13(int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3) => new(13, classes, width, batchNorm, inputChannels);
    /// <summary>VGG16 (configuration D).</summary>
    public static Vgg Vgg16(int classes = 1000, double width = 1.0, bool batchNorm = false, int inputChannels = 3) => new(16, classes, width, batchNorm, inputChannels);

    /// <summary>11, 13 or 16.</summary>
    public int Depth { get; }
    /// <summary>Whether every conv is followed by batch norm.</summary>
    public bool BatchNorm { get; }
    /// <inheritdoc />
    public string Architecture => "VGG" + Depth + (BatchNorm ? "-BN" : "");
    /// <inheritdoc />
    public Sequential Features => features;
    /// <inheritdoc />
    public AdaptiveAvgPool2d AvgPool => avgpool;
    /// <inheritdoc />
    public Sequential Classifier => classifier;
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
    /// <inheritdoc />
    public int HiddenFeatures { get; }
    /// <inheritdoc />
    public int PoolSize => 7;
    /// <inheritdoc />
    public int InputChannels { get; }
    /// <inheritdoc />
    public int MinimumInputSize => 32;
    /// <inheritdoc />
    public int Classes { get; }
    /// <inheritdoc />
    public double Width { get; }

    /// <summary>Maps images (N, C, H, W), sides at least 32, to logits (N, classes).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, Architecture, minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    private static int S(int channels, double width) => Math.Max(1, (int)Math.Round(channels * width));
}
