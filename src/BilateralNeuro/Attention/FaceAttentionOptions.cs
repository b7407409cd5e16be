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

/// <summary>Options of <see cref="FaceAttention"/>; defaults are FE-AlexNet's (r = 16, before fc6, channel only).</summary>
public sealed class FaceAttentionOptions
{
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
        return errors.Build();
    }
}
