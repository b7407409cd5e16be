using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// A complex-valued activation z = m·e^{iφ} kept as two real float32 tensors of one shape: the magnitude
/// <see cref="Magnitude"/> (m ≥ 0) and the phase <see cref="Phase"/> (radians).
/// </summary>
/// <remarks>
/// Why polar pairs rather than complex64 tensors: every operation of these networks acts on one of the two parts —
/// normalisation, ReLU and the readout act on the magnitude, Kuramoto dynamics on the phase — and the layers apply
/// real weights to Re z, Im z and |z| separately. Keeping (m, φ) as real tensors lets those three real inputs be
/// stacked on the batch axis and pushed through ONE real convolution or matmul, avoids complex kernels and complex
/// autograd (whose <c>angle</c> gradient is undefined at 0) and keeps state_dicts plain float32.
/// </remarks>
/// <param name="Magnitude">Magnitude m ≥ 0.</param>
/// <param name="Phase">Phase φ in radians.</param>
public readonly record struct ComplexActivation(Tensor Magnitude, Tensor Phase)
{
    /// <summary>Real part m·cos φ.</summary>
    public Tensor Real() => Magnitude * Phase.cos();

    /// <summary>Imaginary part m·sin φ.</summary>
    public Tensor Imag() => Magnitude * Phase.sin();

    /// <summary>The same activation as a complex64 tensor (for interoperability and tests).</summary>
    public Tensor ToComplex() => torch.polar(Magnitude, Phase);

    /// <summary>Flattens both parts from <paramref name="startDim"/> on.</summary>
    public ComplexActivation Flatten(long startDim = 1) => new(Magnitude.flatten(startDim), Phase.flatten(startDim));

    /// <summary>Shape of either part.</summary>
    public long[] Shape => Magnitude.shape;

    /// <summary>Moves both parts to the outer dispose scope.</summary>
    public ComplexActivation MoveToOuterDisposeScope() => new(Magnitude.MoveToOuterDisposeScope(), Phase.MoveToOuterDisposeScope());

    /// <summary>Detaches both parts from the dispose scope (the caller owns them).</summary>
    public ComplexActivation DetachFromDisposeScope() => new(Magnitude.DetachFromDisposeScope(), Phase.DetachFromDisposeScope());
}
