using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Backbones;

/// <summary>
/// CIFAR-style ResNet feature extractor (He et al. 2016 with a 3x3 stem and no stem max-pool): conv3x3(in→64)+BN+ReLU,
/// four stages of basic blocks with 64, 128, 256, 512 channels (stride 2 at the first block of stages 2-4, 1x1 conv+BN
/// shortcut where the shape changes), adaptive average pool → 512 features. ResNet-18 has blocks [2, 2, 2, 2] (11.17 M
/// parameters at width 1 with 3 input channels), ResNet-34 [3, 4, 6, 3] (21.28 M). A width multiplier scales every
/// channel count. state_dict keys: <c>stem.0.weight</c>, <c>stages.0.0.conv1.weight</c>, ...
/// </summary>
public sealed class ResNetCifar : FeatureExtractor
{
    private readonly Sequential stem;
    private readonly Sequential stages;
    private readonly AdaptiveAvgPool2d pool;

    /// <summary>Creates the backbone.</summary>
    /// <param name="blocks">Basic blocks per stage (four entries).</param>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="width">Channel multiplier (1.0 = 64-128-256-512).</param>
    public ResNetCifar(int[] blocks, int inputChannels = 3, double width = 1.0) : base(nameof(ResNetCifar))
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Length != 4 || blocks.Any(b => b < 1)) throw new ArgumentException("ResNetCifar: expected four positive block counts.", nameof(blocks));
        if (inputChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "ResNetCifar: input channels must be positive.");
        ChannelWidth.Check(width, nameof(ResNetCifar));
        InputChannels = inputChannels;
        Blocks = (int[])blocks.Clone();
        int c0 = ChannelWidth.Scale(64, width);
        stem = ResNet9.ConvBnRelu(inputChannels, c0, pool: false);
        var stageList = new List<(string, Module<Tensor, Tensor>)>();
        int cin = c0;
        for (int s = 0; s < 4; s++)
        {
            int cout = ChannelWidth.Scale(64 << s, width);
            var stage = new List<(string, Module<Tensor, Tensor>)>();
            for (int b = 0; b < blocks[s]; b++)
            {
                stage.Add((b.ToString(), new BasicBlock(cin, cout, b == 0 && s > 0 ? 2 : 1)));
                cin = cout;
            }
            stageList.Add((s.ToString(), Sequential(stage)));
        }
        stages = Sequential(stageList);
        pool = AdaptiveAvgPool2d(1);
        FeatureSize = cin;
        RegisterComponents();
    }

    /// <summary>ResNet-18 (blocks 2-2-2-2).</summary>
    public static ResNetCifar ResNet18(int inputChannels = 3, double width = 1.0) => new([2, 2, 2, 2], inputChannels, width);

    /// <summary>ResNet-34 (blocks 3-4-6-3).</summary>
    public static ResNetCifar ResNet34(int inputChannels = 3, double width = 1.0) => new([3, 4, 6, 3], inputChannels, width);

    /// <summary>Length of the feature vector.</summary>
    public override int FeatureSize { get; }
    /// <summary>Expected image channels.</summary>
    public override int InputChannels { get; }
    /// <summary>Smallest image side: 8.</summary>
    public override int MinimumInputSize => 8;
    /// <summary>Basic blocks per stage.</summary>
    public IReadOnlyList<int> Blocks { get; }

    /// <summary>Maps images (N, C, H, W), H and W at least 8, to features (N, FeatureSize).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, nameof(ResNetCifar), minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        var x = stages.call(stem.call(input));
        return pool.call(x).flatten(1).MoveToOuterDisposeScope();
    }

    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2;
        private readonly BatchNorm2d bn1, bn2;
        private readonly Sequential? shortcut;

        public BasicBlock(int cin, int cout, int stride) : base(nameof(BasicBlock))
        {
            conv1 = Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(cout);
            conv2 = Conv2d(cout, cout, 3, padding: 1, bias: false);
            bn2 = BatchNorm2d(cout);
            if (stride != 1 || cin != cout)
                shortcut = Sequential(("0", Conv2d(cin, cout, 1, stride: stride, bias: false)), ("1", BatchNorm2d(cout)));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var y = functional.relu(bn1.call(conv1.call(input)));
            y = bn2.call(conv2.call(y));
            var skip = shortcut is null ? input : shortcut.call(input);
            return functional.relu(y + skip).MoveToOuterDisposeScope();
        }
    }
}
