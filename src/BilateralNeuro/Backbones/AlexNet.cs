using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Backbones;

/// <summary>
/// AlexNet with torchvision's exact layout and state_dict keys, so ImageNet weights exported from PyTorch in
/// TorchSharp's exportsd format load with <c>model.load(path)</c>:
/// <c>features.0</c> Conv(3,64,11,s4,p2), ReLU, MaxPool(3,2), <c>features.3</c> Conv(64,192,5,p2), ReLU, MaxPool,
/// <c>features.6</c> Conv(192,384,3,p1), ReLU, <c>features.8</c> Conv(384,256,3,p1), ReLU, <c>features.10</c>
/// Conv(256,256,3,p1), ReLU, MaxPool; <c>avgpool</c> AdaptiveAvgPool2d(6,6); <c>classifier.0</c> Dropout,
/// <c>classifier.1</c> Linear(9216,4096) (fc6), ReLU, <c>classifier.3</c> Dropout, <c>classifier.4</c> Linear(4096,4096)
/// (fc7), ReLU, <c>classifier.6</c> Linear(4096,n). The adaptive pool lets images from 63 px up pass; a width
/// multiplier scales every conv and fc width for CPU-sized runs (width 1 = torchvision). Initialised like torchvision's VGG (kaiming-normal convs).
/// </summary>
public sealed class AlexNet : FeatureExtractor, ITorchvisionConvNet
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    /// <summary>Creates AlexNet.</summary>
    /// <param name="classes">Output classes (1000 for ImageNet weights).</param>
    /// <param name="width">Multiplier of every conv and fc width (1.0 = torchvision).</param>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="dropout">Dropout probability before fc6 and fc7.</param>
    public AlexNet(int classes = 1000, double width = 1.0, int inputChannels = 3, double dropout = 0.5) : base(nameof(AlexNet))
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "AlexNet: classes must be at least 1.");
        ChannelWidth.Check(width, nameof(AlexNet), max: 4);
        if (inputChannels < 1) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "AlexNet: input channels must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "AlexNet: dropout must lie in [0, 1).");
        int c1 = ChannelWidth.Scale(64, width), c2 = ChannelWidth.Scale(192, width), c3 = ChannelWidth.Scale(384, width),
            c4 = ChannelWidth.Scale(256, width), c5 = ChannelWidth.Scale(256, width), h = ChannelWidth.Scale(4096, width);
        features = Sequential(
            ("0", Conv2d(inputChannels, c1, 11, stride: 4, padding: 2)), ("1", ReLU()), ("2", new MaxPool(3, 2)),
            ("3", Conv2d(c1, c2, 5, padding: 2)), ("4", ReLU()), ("5", new MaxPool(3, 2)),
            ("6", Conv2d(c2, c3, 3, padding: 1)), ("7", ReLU()),
            ("8", Conv2d(c3, c4, 3, padding: 1)), ("9", ReLU()),
            ("10", Conv2d(c4, c5, 3, padding: 1)), ("11", ReLU()), ("12", new MaxPool(3, 2)));
        avgpool = AdaptiveAvgPool2d((6, 6));
        classifier = Sequential(
            ("0", Dropout(dropout)), ("1", Linear(c5 * 36, h)), ("2", ReLU()),
            ("3", Dropout(dropout)), ("4", Linear(h, h)), ("5", ReLU()),
            ("6", Linear(h, classes)));
        ConvBlocks = [new("conv1", 2, c1), new("conv2", 5, c2), new("conv3", 7, c3), new("conv4", 9, c4), new("conv5", 12, c5)];
        FeatureChannels = c5;
        HiddenFeatures = h;
        InputChannels = inputChannels;
        Classes = classes;
        Width = width;
        RegisterComponents();
        Initialise();
    }

    // Kaiming-normal convs (fan-out, ReLU), N(0, 0.01) linears and zero biases, as torchvision initialises VGG:
    // PyTorch's default init leaves a narrow AlexNet's pooled features almost constant across images, so training
    // from scratch (face or object pre-training here) barely moves. Loaded weights replace all of it.
    private void Initialise()
    {
        using var _ = no_grad();
        foreach (var m in modules())
        {
            if (m is Conv2d conv)
            {
                init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                if (conv.bias is not null) init.zeros_(conv.bias);
            }
            else if (m is Linear linear)
            {
                init.normal_(linear.weight, 0, 0.01);
                if (linear.bias is not null) init.zeros_(linear.bias);
            }
        }
    }

    /// <summary>Always <see cref="BackboneKind.AlexNet"/>.</summary>
    public BackboneKind Kind => BackboneKind.AlexNet;
    /// <inheritdoc />
    public string Architecture => "AlexNet";
    /// <inheritdoc />
    public Sequential Features => features;
    /// <inheritdoc />
    public AdaptiveAvgPool2d AvgPool => avgpool;
    /// <inheritdoc />
    public Sequential Classifier => classifier;
    /// <inheritdoc />
    public IReadOnlyList<ConvBlock> ConvBlocks { get; }
    /// <inheritdoc />
    public int Fc6Index => 1;
    /// <inheritdoc />
    public int Fc6ActivationIndex => 2;
    /// <inheritdoc />
    public int OutputIndex => 6;
    /// <inheritdoc />
    public int FeatureChannels { get; }
    /// <inheritdoc />
    public int HiddenFeatures { get; }
    /// <inheritdoc />
    public int PoolSize => 6;
    /// <inheritdoc />
    public override int InputChannels { get; }
    /// <inheritdoc />
    public override int MinimumInputSize => 63;
    /// <inheritdoc />
    public int Classes { get; }
    /// <summary>Length of <c>forward</c>'s output: the classes (AlexNet returns logits).</summary>
    public override int FeatureSize => Classes;
    /// <inheritdoc />
    public double Width { get; }

    /// <summary>Maps images (N, C, H, W), sides at least 63, to logits (N, classes).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, nameof(AlexNet), minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Side of the last conv map (before the adaptive pool) for a square input: conv1 (11×11, stride 4, padding 2)
    /// and three 3×3 stride-2 max-pools. 2 for 95–126 px, 3 for 127–158 px, 6 for 224 px; below 6 the adaptive pool
    /// only replicates a coarser map, so the frozen features carry that much less spatial detail.
    /// </summary>
    public static int FinalMapSize(int inputSize)
    {
        if (inputSize < 63) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "AlexNet: images need at least 63 px.");
        int s = (inputSize + 4 - 11) / 4 + 1;
        for (int i = 0; i < 3; i++) s = (s - 3) / 2 + 1;
        return s;
    }
}
