using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The complex-layer rule of KomplexNet for a real map f (a convolution or linear layer with real weights):
/// ψ = f(Re z) + i·f(Im z), χ = f(|z|), output magnitude m = ½|ψ| + ½χ and phase arg ψ.
/// </summary>
public static class ComplexOps
{
    /// <summary>Default guard of <see cref="StableAngle"/>: |Im ψ| below it is replaced by it.</summary>
    public const double DefaultAngleEpsilon = 1e-6;

    /// <summary>
    /// Applies a real map to Re z, Im z and |z| in one call (the three stacked on the batch axis) and combines them
    /// into the output magnitude and phase. The map must treat batch items independently.
    /// </summary>
    public static ComplexActivation ApplyReal(Func<Tensor, Tensor> f, ComplexActivation z, double angleEpsilon = DefaultAngleEpsilon)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var scope = NewDisposeScope();
        long n = z.Magnitude.shape[0];
        var stacked = torch.cat([z.Real(), z.Imag(), z.Magnitude], 0);
        var y = f(stacked);
        var re = y.narrow(0, 0, n);
        var im = y.narrow(0, n, n);
        var chi = y.narrow(0, 2 * n, n);
        var magnitude = 0.5 * SafeAbs(re, im) + 0.5 * chi;
        var phase = StableAngle(re, im, angleEpsilon);
        return new ComplexActivation(magnitude, phase).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// arg(re + i·im) with a finite gradient everywhere: where |im| &lt; eps, im is replaced by +eps (so the
    /// denominator re² + im² of atan2's gradient never vanishes).
    /// </summary>
    public static Tensor StableAngle(Tensor re, Tensor im, double eps = DefaultAngleEpsilon)
    {
        var guarded = torch.where(im.abs() < eps, torch.full_like(im, eps), im);
        return torch.atan2(guarded, re);
    }

    /// <summary>sqrt(re² + im²) whose gradient is 0 (not NaN) at the origin.</summary>
    public static Tensor SafeAbs(Tensor re, Tensor im) => (re.square() + im.square()).clamp_min(1e-12).sqrt();
}
