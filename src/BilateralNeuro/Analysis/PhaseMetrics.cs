using BilateralNeuro.Synchrony;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Phase measures of object binding, per image: within-object coherence (mean over objects and channels of
/// |Σ e^{iθ}| / count over the object's active, exclusive units; 1 = phase-locked) and between-object separation
/// (mean over object pairs of (1 − cos(ψ_a − ψ_b)) / 2 for the objects' mean phases ψ; 1 = anti-phase, 0 = equal).
/// </summary>
public static class PhaseMetrics
{
    /// <summary>Coherence and separation (N each) for phases/amplitudes (N, C, H, W) and masks (N, G, H, W).</summary>
    public static (Tensor Coherence, Tensor Separation) Compute(Tensor phases, Tensor amplitude, Tensor masks)
    {
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(amplitude);
        ArgumentNullException.ThrowIfNull(masks);
        using var scope = NewDisposeScope();
        var exclusive = masks.gt(0).to(phases.dtype);
        exclusive = exclusive * exclusive.sum(1, keepdim: true).eq(1).to(phases.dtype);
        var w = exclusive.unsqueeze(2) * amplitude.gt(0).to(phases.dtype).unsqueeze(1);   // (N, G, C, H, W)
        var th = phases.unsqueeze(1);
        var x = (w * th.cos()).sum([3, 4]);
        var y = (w * th.sin()).sum([3, 4]);
        var count = w.sum([3, 4]);
        var present = count.gt(0).to(phases.dtype);
        var r = (x.square() + y.square()).sqrt() / count.clamp_min(1);
        var coherence = (r * present).sum([1, 2]) / present.sum([1, 2]).clamp_min(1);
        var psi = torch.atan2(y.sum(2), x.sum(2));                                           // (N, G)
        long g = masks.shape[1];
        var sep = torch.zeros(phases.shape[0]);
        int pairs = 0;
        for (long a = 0; a < g; a++)
        for (long b = a + 1; b < g; b++)
        {
            sep = sep + (1 - (psi.select(1, a) - psi.select(1, b)).cos()) / 2;
            pairs++;
        }
        if (pairs > 0) sep = sep / pairs;
        return (coherence.MoveToOuterDisposeScope(), sep.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// An RGB phase map (3, H, W·C) of one sample's phases and amplitudes (C, H, W): hue = phase, brightness =
    /// amplitude / max amplitude; channels side by side.
    /// </summary>
    public static Tensor PhaseMap(Tensor phases, Tensor amplitude)
    {
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(amplitude);
        using var scope = NewDisposeScope();
        var hue = (SynchronyLoss.Wrap(phases) + Math.PI) / (2 * Math.PI);                 // [0, 1]
        var value = amplitude / amplitude.max().clamp_min(1e-6);
        // HSV -> RGB with S = 1: channel k = V·(1 − clamp(|((6h + offset_k) mod 6) − 3| − 1, 0, 1)) reversed.
        var rgb = new List<Tensor>();
        foreach (var offset in new[] { 0.0, 4.0, 2.0 })
        {
            var k = (hue * 6 + offset).remainder(6);
            var c = (k - 3).abs().sub(1).clamp(0, 1);
            rgb.Add(value * c);
        }
        var img = torch.stack(rgb, 0);                                                       // (3, C, H, W)
        return img.permute(0, 2, 1, 3).reshape(3, phases.shape[1], -1).MoveToOuterDisposeScope();
    }
}
