using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Beyond;

/// <summary>
/// A wide and shallow feature extractor: a few conv3x3 + BN + ReLU + max-pool 2 layers (the ResNet-9 building block)
/// with many channels, then global average pooling. The counterpart of a narrow-deep ResNet in an asymmetric pair.
/// state_dict keys: <c>layers.0.0.weight</c>, ...
/// </summary>
public sealed class WideShallowNet : FeatureExtractor
{
    private readonly Sequential layers;

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="channels">Output channels of every layer (1 to 4 layers).</param>
    public WideShallowNet(int inputChannels, IReadOnlyList<int> channels) : base(nameof(WideShallowNet))
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (inputChannels < 1) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "WideShallowNet: input channels must be positive.");
        if (channels.Count is < 1 or > 4 || channels.Any(c => c < 1))
            throw new ArgumentException($"WideShallowNet: expected 1 to 4 positive channel counts, got [{string.Join(", ", channels)}].", nameof(channels));
        InputChannels = inputChannels;
        int cin = inputChannels;
        var list = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < channels.Count; i++) { list.Add((i.ToString(), ResNet9.ConvBnRelu(cin, channels[i], pool: true))); cin = channels[i]; }
        layers = nn.Sequential(list);
        FeatureSize = cin;
        MinimumInputSize = 1 << channels.Count;
        RegisterComponents();
    }

    /// <summary>Length of the feature vector.</summary>
    public override int FeatureSize { get; }
    /// <summary>Expected image channels.</summary>
    public override int InputChannels { get; }
    /// <summary>Smallest image side: 2^layers (one max-pool per layer).</summary>
    public override int MinimumInputSize { get; }
    internal Sequential Layers => layers;

    /// <summary>Images (N, C, H, W) to features (N, FeatureSize).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, nameof(WideShallowNet), minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        return F.adaptive_avg_pool2d(layers.call(input), [1, 1]).flatten(1).MoveToOuterDisposeScope();
    }
}
