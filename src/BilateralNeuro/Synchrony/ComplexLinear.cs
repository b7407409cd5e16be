using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// Complex dense layer with real weights: ψ = W·Re z + i·W·Im z, χ = W·|z|, m = ½|ψ| + ½χ, φ = arg ψ; then
/// m ← ReLU(LayerNorm(m)) and the output is m·e^{iφ}. state_dict keys: <c>linear.*</c>, <c>norm.*</c>.
/// </summary>
public sealed class ComplexLinear : Module<ComplexActivation, ComplexActivation>
{
    private readonly Linear linear;
    private readonly LayerNorm norm;

    /// <summary>Creates the layer.</summary>
    public ComplexLinear(int inFeatures, int outFeatures, bool bias = true) : base(nameof(ComplexLinear))
    {
        if (inFeatures < 1 || outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"{nameof(ComplexLinear)}: feature counts must be positive (got {inFeatures} -> {outFeatures}).");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        linear = Linear(inFeatures, outFeatures, hasBias: bias);
        norm = LayerNorm(outFeatures);
        RegisterComponents();
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Maps (N, InFeatures) to (N, OutFeatures).</summary>
    public override ComplexActivation forward(ComplexActivation z)
    {
        Guard.Features(z.Magnitude, InFeatures, nameof(ComplexLinear), "magnitude");
        Guard.Features(z.Phase, InFeatures, nameof(ComplexLinear), "phase");
        using var scope = NewDisposeScope();
        var y = ComplexOps.ApplyReal(x => linear.call(x), z);
        var m = functional.relu(norm.call(y.Magnitude));
        return new ComplexActivation(m, y.Phase).MoveToOuterDisposeScope();
    }
}
