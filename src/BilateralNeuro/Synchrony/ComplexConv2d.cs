using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// Complex convolution with real weights (KomplexNet's <c>ComplexConvolution</c> rule): ψ = W∗Re z + i·W∗Im z,
/// χ = W∗|z|, m = ½|ψ| + ½χ, φ = arg ψ; then m ← ReLU(InstanceNorm(m)) (affine) and the output is m·e^{iφ}.
/// state_dict keys: <c>conv.weight</c>, <c>conv.bias</c>, <c>norm.weight</c>, <c>norm.bias</c>.
/// </summary>
public sealed class ComplexConv2d : Module<ComplexActivation, ComplexActivation>
{
    private readonly Conv2d conv;
    private readonly InstanceNorm2d norm;

    /// <summary>Creates the layer.</summary>
    public ComplexConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int? padding = null, bool bias = true)
        : base(nameof(ComplexConv2d))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), $"{nameof(ComplexConv2d)}: channel counts must be positive (got {inChannels} -> {outChannels}).");
        if (kernelSize < 1 || stride < 1) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"{nameof(ComplexConv2d)}: kernel size and stride must be positive (got {kernelSize}, {stride}).");
        InChannels = inChannels;
        OutChannels = outChannels;
        conv = Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding ?? kernelSize / 2, bias: bias);
        norm = InstanceNorm2d(outChannels, affine: true);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Maps (N, InChannels, H, W) magnitude/phase maps to (N, OutChannels, H', W').</summary>
    public override ComplexActivation forward(ComplexActivation z)
    {
        Guard.ImageBatch(z.Magnitude, InChannels, nameof(ComplexConv2d), "magnitude");
        Guard.ImageBatch(z.Phase, InChannels, nameof(ComplexConv2d), "phase");
        using var scope = NewDisposeScope();
        var y = ComplexOps.ApplyReal(x => conv.call(x), z);
        var m = functional.relu(norm.call(y.Magnitude));
        return new ComplexActivation(m, y.Phase).MoveToOuterDisposeScope();
    }
}
