namespace BilateralNeuro.Backbones;

/// <summary>
/// Names and factories of <see cref="BackboneKind"/>: parses a command-line or configuration token
/// (<c>resnet9</c>, <c>ResNet-18</c>, <c>vgg_11</c>, <c>alexnet</c>, case, '-', '_' and spaces ignored), gives display
/// names, and creates the feature extractors.
/// </summary>
public static class BackboneRegistry
{
    private static readonly Dictionary<string, BackboneKind> Tokens = Enum.GetValues<BackboneKind>()
        .ToDictionary(k => Normalize(k.ToString()), k => k);

    /// <summary>Command-line tokens of every architecture, e.g. <c>resnet9</c>, <c>vgg11</c>, <c>wideshallow</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<BackboneKind>().Select(k => Normalize(k.ToString())).ToArray();

    /// <summary>The architectures <see cref="CreateFeatureExtractor"/> builds (hemisphere backbones).</summary>
    public static IReadOnlyList<BackboneKind> FeatureExtractors { get; } =
        [BackboneKind.ResNet9, BackboneKind.ResNet18, BackboneKind.ResNet34, BackboneKind.Vgg11, BackboneKind.Vgg13, BackboneKind.Vgg16];

    /// <summary>The torchvision classifier architectures of transfer models.</summary>
    public static IReadOnlyList<BackboneKind> TorchvisionClassifiers { get; } =
        [BackboneKind.AlexNet, BackboneKind.Vgg11, BackboneKind.Vgg13, BackboneKind.Vgg16];

    /// <summary>Parses a token such as <c>resnet9</c>, <c>ResNet-18</c> or <c>VGG16</c>.</summary>
    /// <exception cref="ArgumentException">The token names no architecture (the message lists the known ones).</exception>
    public static BackboneKind Parse(string token)
    {
        if (TryParse(token, out var kind)) return kind;
        throw new ArgumentException($"Unknown backbone '{token}'; expected one of: {string.Join(", ", Names)}.", nameof(token));
    }

    /// <summary>Parses a token; false when it names no architecture.</summary>
    public static bool TryParse(string? token, out BackboneKind kind)
    {
        kind = default;
        return token is not null && Tokens.TryGetValue(Normalize(token), out kind);
    }

    /// <summary>The display name, e.g. <c>ResNet-9</c>, <c>VGG11</c>, <c>AlexNet</c>.</summary>
    public static string DisplayName(BackboneKind kind) => kind switch
    {
        BackboneKind.ResNet9 => "ResNet-9",
        BackboneKind.ResNet18 => "ResNet-18",
        BackboneKind.ResNet34 => "ResNet-34",
        BackboneKind.Vgg11 => "VGG11",
        BackboneKind.Vgg13 => "VGG13",
        BackboneKind.Vgg16 => "VGG16",
        BackboneKind.AlexNet => "AlexNet",
        BackboneKind.WideShallow => "wide-shallow",
        BackboneKind.Lattice => "lattice",
        BackboneKind.Custom => "custom",
        _ => kind.ToString(),
    };

    /// <summary>
    /// Creates a feature extractor (images to pooled features) of one of <see cref="FeatureExtractors"/>. VGGs are built
    /// as the bilateral code's hemisphere: batch norm, convolutions without bias, the conv trunk pooled to a vector.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not a feature-extractor architecture.</exception>
    public static FeatureExtractor CreateFeatureExtractor(BackboneKind kind, int inputChannels = 3, double width = 1.0) => kind switch
    {
        BackboneKind.ResNet9 => new ResNet9(inputChannels, width),
        BackboneKind.ResNet18 => ResNetCifar.ResNet18(inputChannels, width),
        BackboneKind.ResNet34 => ResNetCifar.ResNet34(inputChannels, width),
        BackboneKind.Vgg11 => Vgg.CreateFeatureExtractor(11, inputChannels, width),
        BackboneKind.Vgg13 => Vgg.CreateFeatureExtractor(13, inputChannels, width),
        BackboneKind.Vgg16 => Vgg.CreateFeatureExtractor(16, inputChannels, width),
        _ => throw new ArgumentException($"{DisplayName(kind)} is not a feature-extractor backbone; use one of {string.Join(", ", FeatureExtractors.Select(DisplayName))}.", nameof(kind)),
    };

    /// <summary>The VGG depth of a VGG kind (11, 13 or 16), or null.</summary>
    public static int? VggDepth(BackboneKind kind) => kind switch
    {
        BackboneKind.Vgg11 => 11,
        BackboneKind.Vgg13 => 13,
        BackboneKind.Vgg16 => 16,
        _ => null,
    };

    private static string Normalize(string token) =>
        new string(token.Where(c => c is not ('-' or '_' or ' ')).ToArray()).ToLowerInvariant();
}
