using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// The lattice network (6 layers x 32 channels, BLT connections, T = 8, Fashion-MNIST 1x28x28, batch 64, inference):
/// adaptive time (per-input early exit, halted inputs dropped from the batch) against the fixed-T pass, and the
/// compacted network against the gated one it was compacted from. The figure to compare each speed-up with is the
/// share of computation removed (computed steps; multiply-accumulates).
/// </summary>
public static class LatticeCases
{
    public static IEnumerable<CaseResult> Run(LabeledImages train, BenchSettings s)
    {
        const int batch = 64;
        torch.manual_seed(0);
        using var net = LatticeNetwork.Create().InputChannels(1).Classes(10).MaxLayers(6).MaxChannels(32).MaxSteps(8)
            .Time(TimeMode.Halting).Build();
        net.eval();
        var source = new BatchSource(train.Take(batch), batch, normalization: Normalization.FashionMnist, shuffle: false);
        var x = source.Load(source.IndexBatches(0).First(), augment: false).Images;
        // Untrained halting unit: choose the threshold at which about half the inputs have halted by step T/2 (the
        // median cumulative halting probability there), so the early exit has something to remove.
        double threshold;
        using (no_grad()) using (var scope = NewDisposeScope())
            threshold = Math.Clamp(net.call(x)[LatticeOutputs.Time].cumsum(1).select(1, net.Steps / 2 - 1).median().item<float>(), 1e-3, 1.0);

        long computed = 0;
        void Fixed() { using var scope = NewDisposeScope(); using var _ = no_grad(); net.call(x); }
        void Adaptive() { using var scope = NewDisposeScope(); computed = net.InferAdaptive(x, threshold).ComputedSteps; }
        double rss0 = Rss.ResetPeak();
        var m = Harness.Rotated([() => Harness.Time(Fixed), () => Harness.Time(Adaptive)], warmup: 1, repeats: s.Repeats * 2);
        double rss = Rss.PeakMb - rss0;
        double fraction = computed / (double)(batch * net.Steps);
        s.Log.WriteLine($"lattice: fixed {m[0] * 1000:F1} ms, adaptive {m[1] * 1000:F1} ms; computed {fraction:P0} of the input-steps");
        yield return new CaseResult($"Lattice adaptive time vs fixed T = {net.Steps} (untrained halting unit, threshold {threshold:F2})", m[1] * 1000, m[0] * 1000, "ms/batch",
            $"computes {fraction:P0} of the input-steps, so proportional would be {1 / fraction:F2}x; achieved {m[0] / m[1] * fraction:P0} of that", Target: null)
        { Group = "algorithm (ours vs ours)", Gflops = 2.0 * net.MultiplyAccumulatesPerStep(28, 28) * computed / m[1] / 1e9, RssMb = rss };

        foreach (var row in Compaction(net, x, s)) yield return row;
        // The same at twice the width (64 -> 32 channels): whether the shortfall is the small convolutions' efficiency.
        torch.manual_seed(0);
        using var wide = LatticeNetwork.Create().InputChannels(1).Classes(10).MaxLayers(6).MaxChannels(64).MaxSteps(8)
            .Time(TimeMode.Halting).Build();
        wide.eval();
        foreach (var row in Compaction(wide, x, s)) yield return row;
    }

    /// <summary>Gates off the upper half of every layer's channels, compacts, and compares fixed-T inference.</summary>
    private static IEnumerable<CaseResult> Compaction(LatticeNetwork net, Tensor x, BenchSettings s)
    {
        long batch = x.shape[0];
        using (no_grad())
            foreach (var (name, p) in net.named_parameters())
                if (name.EndsWith(".gate", StringComparison.Ordinal)) p.narrow(0, p.shape[0] / 2, p.shape[0] - p.shape[0] / 2).zero_();
        using var small = net.Compact(0);
        small.eval();
        long macsGated = net.MultiplyAccumulatesPerStep(28, 28), macsSmall = small.MultiplyAccumulatesPerStep(28, 28);
        double diff;
        using (no_grad()) using (var scope = NewDisposeScope())
            diff = (net.call(x)["label"] - small.call(x)["label"]).abs().max().item<float>();
        void Gated() { using var scope = NewDisposeScope(); using var _ = no_grad(); net.call(x); }
        void Compacted() { using var scope = NewDisposeScope(); using var _ = no_grad(); small.call(x); }
        double rss0 = Rss.ResetPeak();
        var c = Harness.Rotated([() => Harness.Time(Gated), () => Harness.Time(Compacted)], warmup: 1, repeats: s.Repeats * 2);
        double rss = Rss.PeakMb - rss0;
        double proportional = macsGated / (double)macsSmall;
        long width = net.LayerChannels.Max();
        s.Log.WriteLine($"lattice compaction ({width} channels): gated {c[0] * 1000:F1} ms, compacted {c[1] * 1000:F1} ms; MACs {macsGated:N0} -> {macsSmall:N0}; max |Δ label| {diff:G2}");
        yield return new CaseResult($"Lattice compacted vs gated ({width} -> {width / 2} channels per layer), fixed T", c[1] * 1000, c[0] * 1000, "ms/batch",
            $"MACs {macsGated / 1e6:F1}M -> {macsSmall / 1e6:F1}M per image-step, so proportional would be {proportional:F2}x; achieved {c[0] / c[1] / proportional:P0} of that; max |Δ| {diff:G2}", Target: null)
        { Group = "algorithm (ours vs ours)", Gflops = 2.0 * macsSmall * batch * net.Steps / c[1] / 1e9, RssMb = rss };
    }
}
