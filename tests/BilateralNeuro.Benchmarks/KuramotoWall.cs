using System.Diagnostics;
using BilateralNeuro.Synchrony;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// Wall time per operation of the fused ComplexFft step at the benchmark's shape (batch 64, 8x32x32, 13x13), at the
/// configured thread count: to find the operations that do not gain (or lose) from a second thread. Run on an idle
/// machine only; compare --threads 1 with --threads 2.
/// </summary>
public static class KuramotoWall
{
    public static void Run(BenchSettings s)
    {
        // KW_BATCH / KW_SIZE: another shape for the A/B (the synchrony sample's default is batch 8 on 24x24 maps).
        int b = int.TryParse(Environment.GetEnvironmentVariable("KW_BATCH"), out var eb) ? eb : 64;
        int size = int.TryParse(Environment.GetEnvironmentVariable("KW_SIZE"), out var es) ? es : 32;
        const int c = 8, k = 13;
        long l = CouplingPlan.SmoothSize(size + k / 2), f = l * l;
        int reps = s.Quick ? 7 : 21;
        torch.manual_seed(0);
        using var scope = NewDisposeScope();
        var theta = torch.rand(b, c, size, size) * 6 - 3;
        var amp = torch.rand(b, c, size, size).tanh();
        var kernel = torch.randn(c, c, k, k) * 0.1;
        void T(string name, Action a)
        {
            a(); a();
            var xs = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                using var sc = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                a();
                xs.Add(sw.Elapsed.TotalMilliseconds);
            }
            s.Log.WriteLine($"  {name,-70} {Harness.Median(xs),8:F3} ms");
        }
        s.Log.WriteLine($"kuramoto wall (threads {torch.get_num_threads()}, batch {b}, {c}x{size}x{size}, k {k}), wall ms, median of {reps}:");
        var only = Environment.GetEnvironmentVariable("KW_PATH");
        foreach (var path in new[] { CouplingPath.Direct, CouplingPath.ComplexFft })
        {
            if (only is not null && only != path.ToString()) continue;
            using var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = c, KernelSize = k, Steps = 15, Coupling = path });
            T($"{path}: T=15 forward, no_grad", () => { using var ng = torch.no_grad(); layer.Run(amp, theta); });
            T($"{path}: T=15 forward + backward", () => { layer.zero_grad(); layer.Run(amp.clone().requires_grad_(true), theta).sin().sum().backward(); });
        }
        if (Environment.GetEnvironmentVariable("KW_AB") is not null)
        {
            using var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = c, KernelSize = k, Steps = 15, Coupling = CouplingPath.ComplexFft });
            // (label, spectral-loop threads: null = torch threads, 0 = LibTorch ops; fused step; elementwise step loops)
            (string Label, int? Threads, bool Fused, bool StepLoops)[] modes =
            [
                ("spectral loops off (LibTorch ops)", 0, false, false),
                ("spectral loops, torch threads", null, false, false),
                ("spectral loops, 1 thread", 1, false, false),
                ("torch threads + fused step", null, true, false),
                ("torch threads + fused step + elementwise step loops", null, true, true),
            ];
            var times = modes.Select(_ => new List<double>()).ToList();
            for (int rep = 0; rep < reps + 2; rep++)
                for (int m = 0; m < modes.Length; m++)
                {
                    SpectralKernels.MaxThreads = modes[m].Threads;
                    CouplingPlan.FuseSteps = modes[m].Fused;
                    SpectralKernels.StepLoops = modes[m].StepLoops;
                    using var sc = NewDisposeScope();
                    var sw = Stopwatch.StartNew();
                    layer.zero_grad(); layer.Run(amp.clone().requires_grad_(true), theta).sin().sum().backward();
                    if (rep >= 2) times[m].Add(sw.Elapsed.TotalMilliseconds);
                }
            for (int m = 0; m < modes.Length; m++)
                s.Log.WriteLine($"  A/B pass fwd+bwd, {modes[m].Label}: median {Harness.Median(times[m]):F1} ms, min {times[m].Min():F1} ms");
            SpectralKernels.StepLoops = true;
            SpectralKernels.MaxThreads = null;
            CouplingPlan.FuseSteps = true;
            return;
        }
        if (only is not null) return;
        var u = torch.complex(theta.cos(), theta.sin());
        var z = u * amp;
        T("cos, sin, complex(cos, sin)", () => torch.complex(theta.cos(), theta.sin()));
        T("complex u * real b", () => { var _ = u * amp; });
        T("complex * complex (B,C,H,W)", () => { var _ = u * z; });
        T("fft2 complex s=[40,40] (B,C,32,32)", () => torch.fft.fft2(z, s: [l, l]));
        var full = torch.fft.fft2(z, s: [l, l]);
        T("2-D transpose copy (B*C,F)->(F,B*C)", () => full.reshape(b * c, -1).t().contiguous());
        var spec = full.reshape(b * c, -1).t().contiguous().reshape(f, b, c);
        var kf = torch.fft.fft2(kernel, s: [l, l]).reshape(c, c, -1).permute(2, 1, 0).contiguous();
        T("bmm complex (F,B,C)@(F,C,C)", () => torch.bmm(spec, kf));
        T("bmm via view_as_real? real bmm (F,B,2C)@(F,2C,2C)", () => torch.bmm(torch.view_as_real(spec).reshape(f, b, 2 * c), torch.randn(f, 2 * c, 2 * c)));
        var mixed = torch.bmm(spec, kf);
        T("2-D transpose copy back (F,B*C)->(B*C,F)", () => mixed.reshape(f, b * c).t().contiguous());
        var bm = mixed.reshape(f, b * c).t().contiguous().reshape(b, c, l, l);
        T("ifft2 complex 40x40", () => torch.fft.ifft2(bm));
        T("ifft2 + crop view", () => torch.fft.ifft2(bm).narrow(2, 6, size).narrow(3, 6, size));
        var w = torch.fft.ifft2(bm).narrow(2, 6, size).narrow(3, 6, size);
        T("w * conj(u) (strided w)", () => { var _ = w * u.conj(); });
        var q = w * u.conj();
        T("theta.add(q.imag, s); r = q.real.contiguous()", () => { theta.add(q.imag, 0.1); q.real.contiguous(); });
        var xbc = full.reshape(b, c, -1);
        var prepared = new SpectralKernels.Prepared(torch.fft.fft2(kernel, s: [l, l]).reshape(c, c, -1));
        T("SpectralKernels.Mix (B,C,F)", () => SpectralKernels.Mix(xbc, prepared));
        T("SpectralKernels.ConjProductSum (B,C,F)", () => SpectralKernels.ConjProductSum(xbc, xbc));
        T("KernelGradient bmm (F,C,B)@(F,B,C)", () => torch.bmm(spec.transpose(1, 2).conj(), spec));
        T("Mix: 8 addcmul (B,C,F) (old path)", () =>
        {
            var x = full.reshape(b, c, -1); var sk = kf.permute(2, 1, 0);
            var y = x.narrow(1, 0, 1) * sk.select(1, 0);
            for (int i = 1; i < c; i++) y.addcmul_(x.narrow(1, i, 1), sk.select(1, i), 1);
        });
        T("old KernelGradient loop (8 products + sums)", () =>
        {
            var x = full.reshape(b, c, -1); var gc = x.conj();
            for (int o = 0; o < c; o++) (gc.narrow(1, o, 1) * x).sum(0L);
        });
    }
}
