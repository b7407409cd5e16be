namespace BilateralNeuro.Backbones;

/// <summary>
/// The architectures this library builds, in one list used everywhere an architecture is chosen: hemispheres
/// (<see cref="Bilateral.HemisphereOptions.Backbone"/>), staged hemispheres of the Beyond networks and transfer models
/// (<see cref="Attention.TransferModels.Create"/>). Parse a command-line token with <see cref="BackboneRegistry.Parse"/>;
/// create a feature extractor with <see cref="BackboneRegistry.CreateFeatureExtractor"/>. The numeric values of the
/// first five members are those of the former <c>Bilateral.BackboneKind</c>.
/// </summary>
public enum BackboneKind
{
    /// <summary>The bilateral paper's ResNet-9 (<see cref="Backbones.ResNet9"/>; 6.57 M parameters at width 1, 512 features).</summary>
    ResNet9 = 0,
    /// <summary>CIFAR-style ResNet-18 (<see cref="ResNetCifar.ResNet18"/>; 11.17 M parameters, 512 features).</summary>
    ResNet18 = 1,
    /// <summary>CIFAR-style ResNet-34 (<see cref="ResNetCifar.ResNet34"/>; 21.28 M parameters, 512 features).</summary>
    ResNet34 = 2,
    /// <summary>VGG-11 (<see cref="Vgg"/>; as a hemisphere with batch norm: 9.22 M parameters, 512 features).</summary>
    Vgg11 = 3,
    /// <summary>A user-supplied module (see <see cref="Bilateral.Hemisphere.From(TorchSharp.torch.nn.Module{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}, int, Bilateral.LabelLevel?)"/>).</summary>
    Custom = 4,
    /// <summary>VGG-13 (<see cref="Vgg"/>, configuration B).</summary>
    Vgg13 = 5,
    /// <summary>VGG-16 (<see cref="Vgg"/>, configuration D).</summary>
    Vgg16 = 6,
    /// <summary>AlexNet in torchvision's layout (<see cref="Backbones.AlexNet"/>); a transfer-model architecture.</summary>
    AlexNet = 7,
    /// <summary>The Beyond experiment's wide-shallow conv net (<see cref="Beyond.WideShallowNet"/>); staged hemispheres only.</summary>
    WideShallow = 8,
    /// <summary>The recurrent resource-cost lattice (<see cref="Resources.LatticeNetwork"/>); staged hemispheres only.</summary>
    Lattice = 9,
}
