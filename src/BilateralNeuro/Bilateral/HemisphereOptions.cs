using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Bilateral;

/// <summary>Options of a built-in <see cref="Hemisphere"/>; defaults are the paper's (ResNet-9, width 1, RGB).</summary>
public sealed class HemisphereOptions
{
    /// <summary>Backbone architecture: one of <see cref="BackboneRegistry.FeatureExtractors"/> or <see cref="BackboneKind.Custom"/>.</summary>
    public BackboneKind Backbone { get; set; } = BackboneKind.ResNet9;
    /// <summary>Channel multiplier (1.0 = the paper's 64-128-256-512 channels).</summary>
    public double Width { get; set; } = 1.0;
    /// <summary>Image channels (3 for CIFAR-100, 1 for Fashion-MNIST).</summary>
    public int InputChannels { get; set; } = 3;
    /// <summary>The label level the hemisphere is trained on in stage 1, or null for an unspecialised hemisphere.</summary>
    public LabelLevel? Specialization { get; set; }

    /// <summary>A copy.</summary>
    public HemisphereOptions Clone() => (HemisphereOptions)MemberwiseClone();
}

/// <summary>Validates <see cref="HemisphereOptions"/>, listing every problem.</summary>
public sealed class HemisphereOptionsValidator : IValidateOptions<HemisphereOptions>
{
    /// <inheritdoc />
    /// <remarks><paramref name="name"/> prefixes every message (default <c>Hemisphere</c>; the builders pass <c>Left</c>/<c>Right</c>).</remarks>
    public ValidateOptionsResult Validate(string? name, HemisphereOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        string prefix = name ?? "Hemisphere";
        var errors = new ValidateOptionsResultBuilder();
        if (!Enum.IsDefined(o.Backbone)) errors.AddError($"{prefix}: Backbone {(int)o.Backbone} is not a known backbone.");
        else if (o.Backbone != BackboneKind.Custom && !BackboneRegistry.FeatureExtractors.Contains(o.Backbone))
            errors.AddError($"{prefix}: Backbone {o.Backbone} cannot be a hemisphere; use one of {string.Join(", ", BackboneRegistry.FeatureExtractors)} or Backbone(module, featureSize).");
        if (!(o.Width > 0 && o.Width <= 16)) errors.AddError($"{prefix}: Width must lie in (0, 16] (got {o.Width}).");
        if (o.InputChannels < 1) errors.AddError($"{prefix}: InputChannels must be at least 1 (got {o.InputChannels}).");
        if (o.Specialization is { } s && !Enum.IsDefined(s)) errors.AddError($"{prefix}: Specialization {(int)s} is not a label level.");
        return errors.Build();
    }
}
