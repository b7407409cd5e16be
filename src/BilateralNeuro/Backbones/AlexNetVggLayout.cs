using TorchSharp.Modules;

namespace BilateralNeuro.Backbones;

/// <summary>A convolutional block of a torchvision-layout network: its name and the last index in <c>features</c>.</summary>
/// <param name="Name">Block name, e.g. <c>conv3</c>.</param>
/// <param name="EndIndex">Index of the block's last module in <c>features</c> (inclusive).</param>
/// <param name="Channels">Channels of the block's output.</param>
public sealed record ConvBlock(string Name, int EndIndex, int Channels);

/// <summary>
/// The torchvision classifier layout shared by AlexNet and VGG: <c>features</c> (a Sequential of conv/ReLU/pool),
/// <c>avgpool</c> (adaptive), <c>classifier</c> (a Sequential with fc6, fc7 and the output layer). Transfer models and
/// attention insertion address the network through this description.
/// </summary>
public interface ITorchvisionConvNet
{
    /// <summary>The architecture (<see cref="BackboneKind.AlexNet"/> or a VGG).</summary>
    BackboneKind Kind { get; }
    /// <summary>Architecture name, e.g. <c>AlexNet</c> or <c>VGG16</c>.</summary>
    string Architecture { get; }
    /// <summary>The convolutional trunk (<c>features.N</c> keys).</summary>
    Sequential Features { get; }
    /// <summary>The adaptive average pool (<c>avgpool</c>).</summary>
    AdaptiveAvgPool2d AvgPool { get; }
    /// <summary>The fully connected head (<c>classifier.N</c> keys).</summary>
    Sequential Classifier { get; }
    /// <summary>The convolutional blocks in order (conv1..conv5 for AlexNet, block1..block5 for VGG).</summary>
    IReadOnlyList<ConvBlock> ConvBlocks { get; }
    /// <summary>Index of fc6 (the first Linear) in <see cref="Classifier"/>.</summary>
    int Fc6Index { get; }
    /// <summary>Index of fc6's ReLU in <see cref="Classifier"/>.</summary>
    int Fc6ActivationIndex { get; }
    /// <summary>Index of the output Linear in <see cref="Classifier"/>.</summary>
    int OutputIndex { get; }
    /// <summary>Channels of the last conv block (input channels of the pooled map).</summary>
    int FeatureChannels { get; }
    /// <summary>Width of fc6 and fc7.</summary>
    int HiddenFeatures { get; }
    /// <summary>Side of the adaptive pool's output (6 for AlexNet, 7 for VGG).</summary>
    int PoolSize { get; }
    /// <summary>Expected image channels.</summary>
    int InputChannels { get; }
    /// <summary>Smallest image side the trunk accepts.</summary>
    int MinimumInputSize { get; }
    /// <summary>Number of output classes.</summary>
    int Classes { get; }
    /// <summary>Width multiplier the network was built with.</summary>
    double Width { get; }
}
