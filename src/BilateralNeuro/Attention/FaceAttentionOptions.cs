using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Attention;

/// <summary>Where a <see cref="FaceAttention"/> block sits in a torchvision-layout network.</summary>
public enum InsertionKind
{
    /// <summary>After a named convolutional block (<c>conv1</c>..<c>conv5</c> for AlexNet, <c>block1</c>..<c>block5</c> for VGG).</summary>
    AfterConvBlock,
    /// <summary>On the pooled feature map just before fc6 (FE-AlexNet, SE-AlexNet).</summary>
    BeforeFc6,
    /// <summary>On fc6's activations (a channel gate over the fc6 vector).</summary>
    OnFc6,
}

/// <summary>How a <see cref="FaceAttention"/> block combines its two linear layers with the input.</summary>
public enum AttentionMode
{
    /// <summary>Squeeze-and-excitation: <c>x * sigmoid(fc2(relu(fc1(pool(x)))))</c>, a multiplicative per-channel gate.</summary>
    Gate,
    /// <summary>
    /// The ungated, parameter-matched control: the same two linear layers as a residual MLP on the pooled channels,
    /// <c>x + fc2(relu(fc1(pool(x))))</c> broadcast over the map. Same parameters and inputs as <see cref="Gate"/>,
    /// but no sigmoid and no multiplication, so it can shift channels but never rescale (attend to) them.
    /// </summary>
    ResidualMlp,
}

/// <summary>Options of <see cref="FaceAttention"/>; defaults are FE-AlexNet's (r = 16, before fc6, channel only).</summary>
public sealed class FaceAttentionOptions
{
    /// <summary>
    /// The stand-in lab's SE block (JyBmegan/SE-AlexNet, <c>SEAlexNetLocation3/se_model.py</c>, <c>SELayer</c>):
    /// reduction 2, linear layers without bias, before fc6 on the last conv map, channel gate only.
    /// </summary>
    public static FaceAttentionOptions StandIn() => new() { Reduction = 2, Bias = false, Insertion = InsertionKind.BeforeFc6 };

    /// <summary>The parameter-matched ungated control of <see cref="StandIn"/> (same layers, <see cref="AttentionMode.ResidualMlp"/>).</summary>
    public static FaceAttentionOptions UngatedControl() => new() { Reduction = 2, Bias = false, Insertion = InsertionKind.BeforeFc6, Mode = AttentionMode.ResidualMlp };

    /// <summary>Gate (squeeze-excitation) or the ungated residual-MLP control.</summary>
    public AttentionMode Mode { get; set; } = AttentionMode.Gate;
    /// <summary>Give the two linear layers biases (the stand-in's SELayer has none).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Squeeze-excitation reduction ratio r.</summary>
    public int Reduction { get; set; } = 16;
    /// <summary>Add a CBAM-style spatial attention map after the channel gate (feature maps only).</summary>
    public bool Spatial { get; set; }
    /// <summary>Kernel of the spatial map's convolution (odd).</summary>
    public int SpatialKernel { get; set; } = 7;
    /// <summary>Where the block is inserted.</summary>
    public InsertionKind Insertion { get; set; } = InsertionKind.BeforeFc6;
    /// <summary>Conv block name for <see cref="InsertionKind.AfterConvBlock"/>.</summary>
    public string? Block { get; set; }
    /// <summary>Keep the last forward's gates for inspection.</summary>
    public bool RecordWeights { get; set; } = true;
}

/// <summary>Validates <see cref="FaceAttentionOptions"/>, listing every problem.</summary>
public sealed class FaceAttentionOptionsValidator : IValidateOptions<FaceAttentionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FaceAttentionOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new ValidateOptionsResultBuilder();
        if (o.Reduction < 1) errors.AddError($"Reduction must be at least 1 (got {o.Reduction}).");
        if (o.SpatialKernel < 1 || o.SpatialKernel % 2 == 0) errors.AddError($"SpatialKernel must be a positive odd number (got {o.SpatialKernel}).");
        if (o.Insertion == InsertionKind.AfterConvBlock && string.IsNullOrWhiteSpace(o.Block))
            errors.AddError("Insertion AfterConvBlock needs a Block name (e.g. conv3).");
        if (o.Insertion == InsertionKind.OnFc6 && o.Spatial)
            errors.AddError("A spatial map needs a feature map; it cannot be placed on fc6's vector.");
        if (!Enum.IsDefined(o.Mode)) errors.AddError($"Mode must be Gate or ResidualMlp (got {(int)o.Mode}).");
        if (o.Mode == AttentionMode.ResidualMlp && o.Spatial)
            errors.AddError("The ungated ResidualMlp control has no spatial map (a spatial map is a gate); set Spatial = false.");
        return errors.Build();
    }
}
