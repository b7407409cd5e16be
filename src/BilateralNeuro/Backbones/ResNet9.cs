using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Backbones;

/// <summary>
/// ResNet-9 feature extractor as in the bilateral paper's code: conv3x3(in→64)+BN+ReLU; conv(64→128)+BN+ReLU+maxpool2;
/// residual(128); conv(128→256)+BN+ReLU+maxpool2; conv(256→512)+BN+ReLU+maxpool2; residual(512); adaptive average
/// pool → 512 features. A residual block is two conv+BN+ReLU whose output is added to its input (no ReLU after the
/// add). Convolutions have no bias. A width multiplier scales every channel count (6.57 M parameters at width 1).
/// state_dict keys: <c>prep.0.weight</c>, <c>layer1.0.weight</c>, <c>res1.0.0.weight</c>, ...
/// </summary>
public sealed class ResNet9 : FeatureExtractor
{
    private readonly Sequential prep, layer1, layer2, layer3;
    private readonly Residual res1, res2;
    private readonly AdaptiveAvgPool2d pool;

    /// <summary>Creates the backbone.</summary>
    /// <param name="inputChannels">Image channels (3 for CIFAR, 1 for MNIST-like data).</param>
    /// <param name="width">Channel multiplier (1.0 = 64-128-256-512).</param>
    public ResNet9(int inputChannels = 3, double width = 1.0) : base(nameof(ResNet9))
    {
        if (inputChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "ResNet9: input channels must be positive.");
        ChannelWidth.Check(width, nameof(ResNet9));
        InputChannels = inputChannels;
        int c1 = ChannelWidth.Scale(64, width), c2 = ChannelWidth.Scale(128, width), c3 = ChannelWidth.Scale(256, width), c4 = ChannelWidth.Scale(512, width);
        prep = ConvBnRelu(inputChannels, c1, pool: false);
        layer1 = ConvBnRelu(c1, c2, pool: true);
        res1 = new Residual(c2);
        layer2 = ConvBnRelu(c2, c3, pool: true);
        layer3 = ConvBnRelu(c3, c4, pool: true);
        res2 = new Residual(c4);
        pool = AdaptiveAvgPool2d(1);
        FeatureSize = c4;
        RegisterComponents();
    }

    /// <summary>Length of the feature vector.</summary>
    public override int FeatureSize { get; }
    /// <summary>Expected image channels.</summary>
    public override int InputChannels { get; }
    /// <summary>Smallest image side (three max-pools): 8.</summary>
    public override int MinimumInputSize => 8;

    /// <summary>Maps images (N, C, H, W), H and W at least 8, to features (N, FeatureSize).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, nameof(ResNet9), minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        var x = prep.call(input);
        x = res1.call(layer1.call(x));
        x = res2.call(layer3.call(layer2.call(x)));
        return pool.call(x).flatten(1).MoveToOuterDisposeScope();
    }

    internal static Sequential ConvBnRelu(int cin, int cout, bool pool)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("0", Conv2d(cin, cout, 3, padding: 1, bias: false)),
            ("1", BatchNorm2d(cout)),
            ("2", ReLU(inplace: true)),
        };
        if (pool) layers.Add(("3", new MaxPool(2)));
        return Sequential(layers);
    }

    private sealed class Residual : Module<Tensor, Tensor>
    {
        private readonly Sequential block;

        public Residual(int channels) : base(nameof(Residual))
        {
            block = Sequential(("0", ConvBnRelu(channels, channels, false)), ("1", ConvBnRelu(channels, channels, false)));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => block.call(input) + input; // not add_: the block ends in an in-place ReLU whose output its backward needs
    }
}
