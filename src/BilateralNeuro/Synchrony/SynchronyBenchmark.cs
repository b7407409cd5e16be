using System.Diagnostics;
using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>One measured coupling path of <see cref="SynchronyBenchmark"/>.</summary>
/// <param name="Name">Path name.</param>
/// <param name="MedianMilliseconds">Median wall time of one forward + backward pass over all steps.</param>
/// <param name="RatioToDirect">Direct path time / this path's time (above 1 = faster than the reference formulation).</param>
/// <param name="EquivalentGflops">Direct-formulation FLOPs divided by this path's time (GFLOP/s "as if" direct).</param>
/// <param name="PeakRssDeltaMegabytes">Peak resident set size during the runs minus the RSS before them.</param>
public sealed record BenchmarkRow(string Name, double MedianMilliseconds, double RatioToDirect, double EquivalentGflops, double PeakRssDeltaMegabytes);

/// <summary>Result of <see cref="SynchronyBenchmark.Run"/>.</summary>
/// <param name="Rows">One row per path.</param>
/// <param name="MatmulGflops">Achieved GFLOP/s of a 1024² float32 matmul in the same run (machine ceiling).</param>
/// <param name="DirectFlops">FLOPs of the direct formulation (forward ≈ 1/3, backward ≈ 2/3).</param>
/// <param name="MaxAbsDifference">Largest phase difference between any path and the direct one.</param>
/// <param name="Threads">Torch intra-op threads.</param>
public sealed record BenchmarkResult(IReadOnlyList<BenchmarkRow> Rows, double MatmulGflops, double DirectFlops, double MaxAbsDifference, int Threads);

/// <summary>
/// Times a Kuramoto pass (forward and backward through T unrolled steps) for every coupling path on the same input,
/// and a large matmul as the machine's reference rate, in one process.
/// </summary>
public static class SynchronyBenchmark
{
    /// <summary>Runs the benchmark (defaults: batch 64, 8×32×32, 13×13 kernel, T = 15).</summary>
    public static BenchmarkResult Run(int batch = 64, int channels = 8, int size = 32, int kernel = 13, int steps = 15, int repeats = 3)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(0);
        var amp = torch.rand(batch, channels, size, size).DetachFromDisposeScope();
        var init = (torch.rand(batch, channels, size, size) * (2 * Math.PI) - Math.PI).DetachFromDisposeScope();
        double directFlops = 3.0 * steps * 2 * (2.0 * batch * channels * channels * size * size * kernel * kernel);
        var rows = new List<(string, double, double)>();
        Tensor? reference = null;
        double maxDiff = 0;
        foreach (var path in new[] { CouplingPath.Direct, CouplingPath.Batched, CouplingPath.Fft, CouplingPath.ComplexFft })
        {
            var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = channels, KernelSize = kernel, Steps = steps, Coupling = path });
            var times = new List<double>();
            GC.Collect();
            long before = Process.GetCurrentProcess().WorkingSet64;
            using var sampler = new RssSampler();
            for (int r = 0; r <= repeats; r++)
            {
                layer.zero_grad();
                var sw = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    var a = amp.clone().requires_grad_(true);
                    var phases = layer.Run(a, init);
                    phases.sin().sum().backward();
                    if (r == 0)
                    {
                        var last = phases.select(1, steps - 1).detach();
                        if (reference is null) reference = last.clone().DetachFromDisposeScope();
                        else maxDiff = Math.Max(maxDiff, (last - reference).abs().max().item<float>());
                    }
                }
                if (r > 0) times.Add(sw.Elapsed.TotalMilliseconds); // the first run warms up
            }
            times.Sort();
            rows.Add((path.ToString(), times[times.Count / 2], (sampler.Peak - before) / 1048576.0));
            layer.Dispose();
        }
        double direct = rows[0].Item2;
        var result = rows.Select(r => new BenchmarkRow(r.Item1, r.Item2, direct / r.Item2, directFlops / (r.Item2 / 1000) / 1e9, r.Item3)).ToList();
        return new BenchmarkResult(result, MatmulRate(), directFlops, maxDiff, torch.get_num_threads());
    }

    private static double MatmulRate()
    {
        using var scope = NewDisposeScope();
        var a = torch.randn(1024, 1024);
        var b = torch.randn(1024, 1024);
        a.matmul(b);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++) a.matmul(b);
        return 10 * 2.0 * 1024 * 1024 * 1024 / sw.Elapsed.TotalSeconds / 1e9;
    }

    private sealed class RssSampler : IDisposable
    {
        private readonly Timer timer;
        private long peak;
        public RssSampler()
        {
            peak = Process.GetCurrentProcess().WorkingSet64;
            timer = new Timer(_ =>
            {
                using var p = Process.GetCurrentProcess();
                long v = p.WorkingSet64;
                long cur;
                while (v > (cur = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, v, cur) != cur) { }
            }, null, 0, 5);
        }
        public long Peak => Interlocked.Read(ref peak);
        public void Dispose() => timer.Dispose();
    }
}
