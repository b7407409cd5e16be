using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>Parts of <see cref="SynchronyLoss.Compute"/>, each averaged over the batch.</summary>
/// <param name="Loss">(Synch + Desynch) / bound, in [0, 1].</param>
/// <param name="Synch">1 − mean within-object coherence (0 when every object is phase-locked).</param>
/// <param name="Desynch">Circular-moment spread of the objects' mean phases (0 when they are evenly spread).</param>
public readonly record struct SynchronyLossResult(Tensor Loss, Tensor Synch, Tensor Desynch);

/// <summary>
/// Synchrony loss over ground-truth object masks in circular-moment form. Within each object g and channel c the
/// coherence is R_gc = |Σ w e^{iθ}| / Σ w over the object's active units (amplitude &gt; 0, pixels of exactly one
/// object); Synch = 1 − mean R. The objects' mean phases ψ_g are spread apart by
/// Desynch = Σ_{m=1}^{⌊G/2⌋} |Σ_g e^{i m ψ_g}|² / (2 G m²), which is 0 for evenly spaced phases. The total is
/// divided by its bound 1 + (G/2)·Σ_{m ≤ G/2} 1/m².
/// </summary>
public static class SynchronyLoss
{
    /// <summary>Computes the loss for phases and amplitudes (N, C, H, W) and masks (N, G, H, W) (1 inside an object).</summary>
    public static SynchronyLossResult Compute(Tensor phases, Tensor amplitude, Tensor masks)
    {
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(amplitude);
        ArgumentNullException.ThrowIfNull(masks);
        if (phases.dim() != 4 || masks.dim() != 4 || masks.shape[0] != phases.shape[0] || masks.shape[2] != phases.shape[2] || masks.shape[3] != phases.shape[3])
            throw new ArgumentException($"{nameof(SynchronyLoss)}: expected phases (N, C, H, W) and masks (N, G, H, W) of one batch and size, got {Core.Guard.Describe(phases)} and {Core.Guard.Describe(masks)}.", nameof(masks));
        using var scope = NewDisposeScope();
        int g = (int)masks.shape[1];
        var exclusive = masks.gt(0).to(phases.dtype);
        exclusive = exclusive * exclusive.sum(1, keepdim: true).eq(1).to(phases.dtype);
        var w = exclusive.unsqueeze(2) * amplitude.gt(0).to(phases.dtype).unsqueeze(1);   // (N, G, C, H, W)
        var th = phases.unsqueeze(1);
        var x = (w * th.cos()).sum([3, 4]);                                                  // (N, G, C)
        var y = (w * th.sin()).sum([3, 4]);
        var size = w.sum([3, 4]).clamp_min(1);
        var coherence = ComplexOps.SafeAbs(x, y) / size;
        var synch = 1 - coherence.mean([1, 2]);
        var meanAngle = ComplexOps.StableAngle(y.sum(2), x.sum(2));                           // (N, G)
        var desynch = torch.zeros_like(synch);
        double bound = 1;
        for (int m = 1; m <= g / 2; m++)
        {
            var c = (m * meanAngle).cos().sum(1);
            var s = (m * meanAngle).sin().sum(1);
            desynch = desynch + (c.square() + s.square()) / (2.0 * g * m * m);
            bound += 0.5 * g / (m * (double)m);
        }
        var loss = (synch + desynch) / bound;
        return new SynchronyLossResult(loss.mean().MoveToOuterDisposeScope(), synch.mean().MoveToOuterDisposeScope(), desynch.mean().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// "Ideal" phases from masks: object g of G gets v − 2πg/G (v uniform per sample), every other unit a uniform
    /// random phase; returned for <paramref name="channels"/> channels (N, C, H, W).
    /// </summary>
    public static Tensor IdealPhases(Tensor masks, int channels, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(masks);
        using var scope = NewDisposeScope();
        long n = masks.shape[0], g = masks.shape[1], h = masks.shape[2], wd = masks.shape[3];
        var phases = torch.rand([n, channels, h, wd], generator: generator) * (2 * Math.PI) - Math.PI;
        var v = torch.rand([n, 1, 1, 1], generator: generator) * (2 * Math.PI) - Math.PI;
        for (long k = 0; k < g; k++)
        {
            var target = Wrap(v - 2 * Math.PI * k / g).expand(n, channels, h, wd);
            var inside = masks.narrow(1, k, 1).gt(0).expand(n, channels, h, wd);
            phases = torch.where(inside, target, phases);
        }
        return phases.MoveToOuterDisposeScope();
    }

    /// <summary>Wraps angles to (−π, π].</summary>
    public static Tensor Wrap(Tensor angle) => torch.atan2(angle.sin(), angle.cos());
}
