using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Phase coherence between the two hemispheres of a synchronised bilateral network, from each hemisphere's final
/// oscillator phases θ and amplitudes a (N, C, H, W; the two may differ in channels and resolution).
/// <list type="bullet">
/// <item><b>Global phase</b> of a sample: ψ_n = arg Σ_{c,h,w} a·e^{iθ} (the amplitude-weighted mean phase).</item>
/// <item><b>Global coherence</b> (<see cref="Global"/>): the phase-locking value across samples of the two
/// hemispheres' global phases, PLV = |(1/N) Σ_n e^{i(ψ^L_n − ψ^R_n)}| ∈ [0, 1]: 1 when the phase difference is the same
/// for every image (e.g. identical phases), about 1/√N for independent phases.</item>
/// <item><b>Spatial coherence</b> (<see cref="Spatial"/>): both hemispheres' channel sums Σ_c a·e^{iθ} are average-pooled
/// to a common S×S grid (real and imaginary parts separately), their phases φ^L_n(p), φ^R_n(p) taken per position p, and
/// the PLV across samples is computed per position and averaged over the S² positions.</item>
/// </list>
/// Both are statistics over a set of images (one number per set), not per image.
/// </summary>
public static class HemisphereCoherence
{
    /// <summary>Amplitude-weighted global phase ψ (N) of phases and amplitudes (N, C, H, W).</summary>
    public static Tensor GlobalPhase(Tensor phase, Tensor amplitude)
    {
        Check(phase, amplitude);
        using var scope = NewDisposeScope();
        var re = (amplitude * phase.cos()).sum([1, 2, 3]);
        var im = (amplitude * phase.sin()).sum([1, 2, 3]);
        return torch.atan2(im, re).MoveToOuterDisposeScope();
    }

    /// <summary>Phase map (N, S, S) of the channel sum Σ_c a·e^{iθ} average-pooled to S×S.</summary>
    public static Tensor PooledPhase(Tensor phase, Tensor amplitude, int size)
    {
        Check(phase, amplitude);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "HemisphereCoherence: the common resolution must be at least 1.");
        using var scope = NewDisposeScope();
        var re = nn.functional.adaptive_avg_pool2d((amplitude * phase.cos()).sum(1, keepdim: true), [size, size]);
        var im = nn.functional.adaptive_avg_pool2d((amplitude * phase.sin()).sum(1, keepdim: true), [size, size]);
        return torch.atan2(im, re).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Phase-locking value |mean over the first axis of e^{i(a − b)}| of two phase tensors of one shape (N, ...):
    /// a scalar for (N), one value per position otherwise.
    /// </summary>
    public static Tensor PhaseLocking(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.shape.SequenceEqual(b.shape) || a.shape.Length == 0 || a.shape[0] < 1)
            throw new ArgumentException($"HemisphereCoherence: expected two phase tensors of one shape (N, ...) with N >= 1, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].", nameof(b));
        using var scope = NewDisposeScope();
        var d = a - b;
        return (d.cos().mean([0]).square() + d.sin().mean([0]).square()).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>Global coherence (see the class remarks) of the two hemispheres' phases and amplitudes.</summary>
    public static double Global(Tensor leftPhase, Tensor leftAmplitude, Tensor rightPhase, Tensor rightAmplitude)
    {
        using var scope = NewDisposeScope();
        return PhaseLocking(GlobalPhase(leftPhase, leftAmplitude), GlobalPhase(rightPhase, rightAmplitude)).item<float>();
    }

    /// <summary>Spatial coherence on a common <paramref name="size"/>×<paramref name="size"/> grid (see the class remarks).</summary>
    public static double Spatial(Tensor leftPhase, Tensor leftAmplitude, Tensor rightPhase, Tensor rightAmplitude, int size = 4)
    {
        using var scope = NewDisposeScope();
        return PhaseLocking(PooledPhase(leftPhase, leftAmplitude, size), PooledPhase(rightPhase, rightAmplitude, size)).mean().item<float>();
    }

    private static void Check(Tensor phase, Tensor amplitude)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(amplitude);
        if (phase.dim() != 4 || !phase.shape.SequenceEqual(amplitude.shape))
            throw new ArgumentException($"HemisphereCoherence: expected phases and amplitudes of one shape (N, C, H, W), got [{string.Join(", ", phase.shape)}] and [{string.Join(", ", amplitude.shape)}].", nameof(phase));
    }
}
