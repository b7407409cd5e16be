using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Backbones;

/// <summary>
/// VGG-11 feature extractor with batch norm (configuration A: 64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512), where
/// the fifth max-pool is replaced by adaptive average pooling so 28x28 and 32x32 images both give 512 features.
/// Convolutions have no bias (batch norm follows). A width multiplier scales every channel count.
/// state_dict keys: <c>features.0.weight</c> (conv), <c>features.1.weight</c> (BN), ...
/// </summary>
public sealed class Vgg11 : Module<Tensor, Tensor>
{
    private static readonly int[] Config = [64, -1, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512];
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d pool;

    /// <summary>Creates the backbone.</summary>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="width">Channel multiplier.</param>
    public Vgg11(int inputChannels = 3, double width = 1.0) : base(nameof(Vgg11))
    {
        if (inputChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "Vgg11: input channels must be positive.");
        if (width is <= 0 or > 16) throw new ArgumentOutOfRangeException(nameof(width), width, "Vgg11: width multiplier must lie in (0, 16].");
        InputChannels = inputChannels;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int cin = inputChannels;
        foreach (var v in Config)
        {
            if (v < 0) { layers.Add((layers.Count.ToString(), MaxPool2d(2))); continue; }
            int cout = ResNet9.Scale(v, width);
            layers.Add((layers.Count.ToString(), Conv2d(cin, cout, 3, padding: 1, bias: false)));
            layers.Add((layers.Count.ToString(), BatchNorm2d(cout)));
            layers.Add((layers.Count.ToString(), ReLU(inplace: true)));
            cin = cout;
        }
        features = Sequential(layers);
        pool = AdaptiveAvgPool2d(1);
        FeatureSize = cin;
        RegisterComponents();
    }

    /// <summary>Length of the feature vector.</summary>
    public int FeatureSize { get; }
    /// <summary>Expected image channels.</summary>
    public int InputChannels { get; }

    /// <summary>Maps images (N, C, H, W), H and W at least 16, to features (N, FeatureSize).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, nameof(Vgg11), minSize: 16);
        using var scope = NewDisposeScope();
        return pool.call(features.call(input)).flatten(1).MoveToOuterDisposeScope();
    }
}
