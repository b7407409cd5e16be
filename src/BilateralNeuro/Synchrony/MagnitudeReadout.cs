using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Synchrony;

/// <summary>What <see cref="MagnitudeReadout"/> returns.</summary>
/// <param name="Logits">Multi-label logits m − max(m)/3 (N, classes), for a sigmoid binary cross-entropy.</param>
/// <param name="Output">The complex output m·e^{iφ} before thresholding (fed back in the feedback model).</param>
public readonly record struct ReadoutResult(Tensor Logits, ComplexActivation Output);

/// <summary>
/// Last layer of KomplexNet: the complex dense rule without normalisation, read out through the magnitude only. The
/// logits are m − max_k(m_k)/3 per sample, so a class is "on" when its magnitude exceeds a third of the largest.
/// state_dict keys: <c>linear.weight</c>, <c>linear.bias</c>.
/// </summary>
public sealed class MagnitudeReadout : Module<ComplexActivation, ReadoutResult>
{
    private readonly Linear linear;

    /// <summary>Creates the readout.</summary>
    public MagnitudeReadout(int inFeatures, int classes, bool bias = true, double thresholdFraction = 1.0 / 3.0) : base(nameof(MagnitudeReadout))
    {
        if (inFeatures < 1 || classes < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"{nameof(MagnitudeReadout)}: sizes must be positive (got {inFeatures} -> {classes}).");
        if (thresholdFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(thresholdFraction), thresholdFraction, $"{nameof(MagnitudeReadout)}: threshold fraction must lie in [0, 1].");
        InFeatures = inFeatures;
        Classes = classes;
        ThresholdFraction = thresholdFraction;
        linear = Linear(inFeatures, classes, hasBias: bias);
        RegisterComponents();
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>Fraction of the largest magnitude subtracted from every magnitude (1/3 in the reference).</summary>
    public double ThresholdFraction { get; }

    /// <summary>Computes logits and the complex output.</summary>
    public override ReadoutResult forward(ComplexActivation z)
    {
        Guard.Features(z.Magnitude, InFeatures, nameof(MagnitudeReadout), "magnitude");
        using var scope = NewDisposeScope();
        var y = ComplexOps.ApplyReal(x => linear.call(x), z);
        var logits = y.Magnitude - y.Magnitude.max(1, keepdim: true).values * ThresholdFraction;
        return new ReadoutResult(logits.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }
}
