namespace BilateralNeuro.Bilateral;

/// <summary>Built-in hemisphere backbones.</summary>
public enum BackboneKind
{
    /// <summary>The paper's ResNet-9 (6.57 M parameters at width 1, 512 features).</summary>
    ResNet9,
    /// <summary>CIFAR-style ResNet-18 (11.17 M parameters, 512 features).</summary>
    ResNet18,
    /// <summary>CIFAR-style ResNet-34 (21.28 M parameters, 512 features).</summary>
    ResNet34,
    /// <summary>VGG-11 with batch norm (9.22 M parameters, 512 features).</summary>
    Vgg11,
    /// <summary>A user-supplied module (see <see cref="Hemisphere.From"/>).</summary>
    Custom,
}
