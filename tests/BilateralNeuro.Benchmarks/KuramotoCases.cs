using BilateralNeuro.Synchrony;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// The Kuramoto layer, T = 15, forward and backward (batch 64, 8x32x32, 13x13 kernel): the direct TorchSharp port
/// of the reference formulation (two conv2d per step), the batched, FFT and complex-FFT couplings, and the PyTorch reference
/// (peers/peer_server.py 'kuramoto', the formulation of samples/Synchrony/reference_kuramoto.py), interleaved.
/// </summary>
public static class KuramotoCases
{
    public static IEnumerable<CaseResult> Run(BenchSettings s)
    {
        const int batch = 64, channels = 8, size = 32, kernel = 13, steps = 15;
        torch.manual_seed(0);
        using var amp = torch.rand(batch, channels, size, size);
        using var init = torch.rand(batch, channels, size, size) * (2 * Math.PI) - Math.PI;
        double directFlops = 3.0 * steps * 2 * (2.0 * batch * channels * channels * size * size * kernel * kernel);
        var paths = new[] { CouplingPath.Direct, CouplingPath.Batched, CouplingPath.Fft, CouplingPath.ComplexFft };
        int peerIndex = paths.Length;   // the peer's block follows ours in the rotation
        var layers = paths.Select(p => new KuramotoSyncLayer(new KuramotoOptions { Channels = channels, KernelSize = kernel, Steps = steps, Coupling = p })).ToList();
        var auto = KuramotoSyncLayer.ChoosePath(channels, kernel, size, size);

        Tensor Pass(KuramotoSyncLayer layer, bool keep)
        {
            layer.zero_grad();
            using var scope = NewDisposeScope();
            var a = amp.clone().requires_grad_(true);
            var phases = layer.Run(a, init);
            phases.sin().sum().backward();
            return keep ? phases.select(1, steps - 1).detach().MoveToOuterDisposeScope() : phases.select(1, steps - 1);
        }

        // Same numbers on every path (the unit tests check this too; here on the benchmark's own input).
        var last = layers.Select(l => Pass(l, keep: true)).ToList();
        var diffs = last.Select(t => (double)(t - last[0]).abs().max().item<float>()).ToList();
        double maxDiff = diffs.Max();
        foreach (var t in last) t.Dispose();
        var ourRss = layers.Select(l => Rss.PeakDelta(() => Pass(l, keep: false))).ToList();

        using var peer = PeerProcess.Start($"kuramoto --threads {s.Threads} --batch {batch}", s.Log);
        var blocks = layers.Select(l => (Func<double>)(() => Harness.Time(() => Pass(l, keep: false)))).ToList();
        double? peerRss = null;
        if (peer is not null)
        {
            double start = peer.ResetPeak();
            peer.Run(1);
            peerRss = peer.PeakMb() - start;
            blocks.Add(() => peer.Run(1));
        }
        var m = Harness.Rotated(blocks, warmup: 0, repeats: s.Repeats); // every path already ran twice above (warm)
        s.Log.WriteLine("kuramoto: " + string.Join(", ", paths.Select((p, i) => $"{p} {m[i] * 1000:F0} ms")) + (peer is null ? "" : $", PyTorch {m[peerIndex] * 1000:F0} ms") + $" per pass; max |Δθ| {maxDiff:G2}; auto picks {auto}");
        const string what = "T = 15 fwd+bwd, batch 64, 8x32x32, 13x13";
        const string grp = "algorithm (ours vs ours)";
        double Gf(double sec) => directFlops / sec / 1e9;
        for (int i = 1; i < paths.Length; i++)
            yield return new CaseResult($"Kuramoto {paths[i]} coupling vs direct port ({what})", m[i] * 1000, m[0] * 1000, "ms/pass",
                $"max |Δθ| vs direct after 15 steps {diffs[i]:G2}; GFLOP/s counted as the direct formulation's", Target: paths[i] == auto ? 3 : null)
            { Group = grp, Gflops = Gf(m[i]), RssMb = ourRss[i], BaselineRssMb = ourRss[0] };
        if (peer is not null)
        {
            yield return new CaseResult($"Kuramoto direct port vs PyTorch {peer.TorchVersion} reference ({what})", m[0] * 1000, m[peerIndex] * 1000, "ms/pass",
                "the same formulation on both sides (two conv2d + global sums per step)", Target: 1.0)
            { Group = "convolution (vs PyTorch)", Gflops = Gf(m[0]), RssMb = ourRss[0], BaselineRssMb = peerRss };
            int best = Array.IndexOf(paths, auto);
            yield return new CaseResult($"Kuramoto automatic path ({auto}) vs PyTorch {peer.TorchVersion} reference ({what})", m[best] * 1000, m[peerIndex] * 1000, "ms/pass",
                "target 3x: beyond the peer by algorithm", Target: 3)
            { Group = grp, Gflops = Gf(m[best]), RssMb = ourRss[best], BaselineRssMb = peerRss };
            int complexFft = Array.IndexOf(paths, CouplingPath.ComplexFft);
            if (complexFft != best)
                yield return new CaseResult($"Kuramoto ComplexFft path vs PyTorch {peer.TorchVersion} reference ({what})", m[complexFft] * 1000, m[peerIndex] * 1000, "ms/pass",
                    "one complex transform per step instead of two real ones; candidate for the automatic path")
                { Group = grp, Gflops = Gf(m[complexFft]), RssMb = ourRss[complexFft], BaselineRssMb = peerRss };
        }
        foreach (var l in layers) l.Dispose();
    }
}
