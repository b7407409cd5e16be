using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Backbones;

/// <summary>
/// The contract every backbone shares: a module mapping images (N, <see cref="InputChannels"/>, H, W) with sides of at
/// least <see cref="MinimumInputSize"/> to one vector per image, (N, <see cref="FeatureSize"/>). For the feature
/// extractors (<see cref="ResNet9"/>, <see cref="ResNetCifar"/>, <see cref="Vgg.CreateFeatureExtractor"/>) that vector is
/// the pooled features; for the torchvision classifier networks (<see cref="AlexNet"/>, <see cref="Vgg"/> with a
/// classifier) it is the logits and <see cref="FeatureSize"/> equals the number of classes. A hemisphere wraps any of
/// them with <see cref="Bilateral.Hemisphere.From(FeatureExtractor, Bilateral.LabelLevel?)"/>.
/// </summary>
public abstract class FeatureExtractor : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the base with the module name used by TorchSharp.</summary>
    protected FeatureExtractor(string name) : base(name) { }

    /// <summary>Length of the vector that <c>forward</c> returns per image.</summary>
    public abstract int FeatureSize { get; }
    /// <summary>Expected image channels.</summary>
    public abstract int InputChannels { get; }
    /// <summary>Smallest image side accepted.</summary>
    public abstract int MinimumInputSize { get; }
    /// <summary>Number of parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}
