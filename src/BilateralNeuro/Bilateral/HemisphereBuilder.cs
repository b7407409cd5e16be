using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// Fluent configuration of a <see cref="Hemisphere"/>, e.g. <c>Hemisphere.ResNet9().Width(0.5).InputChannels(1)
/// .Specialize(LabelLevel.Fine).Build()</c>. Nothing is checked until <see cref="Build"/>, which lists every problem.
/// </summary>
public sealed class HemisphereBuilder
{
    private readonly HemisphereOptions options = new();
    private nn.Module<Tensor, Tensor>? custom;
    private int customFeatures;

    /// <summary>A copy of the options configured so far.</summary>
    public HemisphereOptions Options => options.Clone();

    /// <summary>Uses the paper's ResNet-9.</summary>
    public HemisphereBuilder ResNet9() => Kind(BackboneKind.ResNet9);
    /// <summary>Uses a CIFAR-style ResNet-18.</summary>
    public HemisphereBuilder ResNet18() => Kind(BackboneKind.ResNet18);
    /// <summary>Uses a CIFAR-style ResNet-34.</summary>
    public HemisphereBuilder ResNet34() => Kind(BackboneKind.ResNet34);
    /// <summary>Uses VGG-11 with batch norm (<see cref="Vgg.CreateFeatureExtractor"/>).</summary>
    public HemisphereBuilder Vgg11() => Kind(BackboneKind.Vgg11);
    /// <summary>Uses VGG-13 with batch norm (<see cref="Vgg.CreateFeatureExtractor"/>).</summary>
    public HemisphereBuilder Vgg13() => Kind(BackboneKind.Vgg13);
    /// <summary>Uses VGG-16 with batch norm (<see cref="Vgg.CreateFeatureExtractor"/>).</summary>
    public HemisphereBuilder Vgg16() => Kind(BackboneKind.Vgg16);

    /// <summary>Uses a given backbone architecture (e.g. parsed with <see cref="BackboneRegistry.Parse"/>).</summary>
    public HemisphereBuilder Kind(BackboneKind kind)
    {
        options.Backbone = kind;
        if (kind != BackboneKind.Custom) custom = null;
        return this;
    }

    /// <summary>Uses any module mapping images to (N, <paramref name="featureSize"/>) features.</summary>
    public HemisphereBuilder Backbone(nn.Module<Tensor, Tensor> module, int featureSize)
    {
        custom = module ?? throw new ArgumentNullException(nameof(module));
        customFeatures = featureSize;
        options.Backbone = BackboneKind.Custom;
        return this;
    }

    /// <summary>Sets the channel multiplier.</summary>
    public HemisphereBuilder Width(double width) { options.Width = width; return this; }
    /// <summary>Sets the image channels.</summary>
    public HemisphereBuilder InputChannels(int channels) { options.InputChannels = channels; return this; }
    /// <summary>Marks the hemisphere as specialised in one label level (trained on it alone in stage 1).</summary>
    public HemisphereBuilder Specialize(LabelLevel level) { options.Specialization = level; return this; }
    /// <summary>Edits the options directly.</summary>
    public HemisphereBuilder Configure(Action<HemisphereOptions> configure) { configure(options); return this; }

    /// <summary>Builds the hemisphere.</summary>
    /// <exception cref="OptionsValidationException">Some option is invalid (all are listed).</exception>
    public Hemisphere Build()
    {
        var errors = Problems("Hemisphere");
        if (errors.Count > 0) throw new OptionsValidationException(nameof(HemisphereOptions), typeof(HemisphereOptions), errors);
        return BuildUnchecked();
    }

    internal List<string> Problems(string prefix)
    {
        var errors = OptionsValidation.Failures(new HemisphereOptionsValidator().Validate(prefix, options)).ToList();
        if (options.Backbone == BackboneKind.Custom)
        {
            if (custom is null) errors.Add($"{prefix}: Backbone is Custom but no module was given; call Backbone(module, featureSize).");
            if (customFeatures < 1 && custom is not null) errors.Add($"{prefix}: the custom backbone's feature size must be positive (got {customFeatures}).");
        }
        return errors;
    }

    internal Hemisphere BuildUnchecked()
    {
        if (options.Backbone == BackboneKind.Custom) return Hemisphere.From(custom!, customFeatures, options.Specialization);
        var module = BackboneRegistry.CreateFeatureExtractor(options.Backbone, options.InputChannels, options.Width);
        return new Hemisphere(module, module.FeatureSize, options.Backbone, options.Specialization, options.Width, options.InputChannels);
    }
}
