using System.Runtime.InteropServices;
using BilateralNeuro.Synchrony;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Benchmarks;

/// <summary>
/// Where a Kuramoto pass spends its time: the single operations of one ComplexFft step at the benchmark's shape
/// (batch 64, 8x32x32, 13x13), each timed alone as CPU time of the calling thread (median of repeats, ms per call;
/// run with --threads 1 so the operations run on that thread and a shared machine's time slicing does not count),
/// and whole passes per path. Not a ratio case: it prints one line per operation.
/// </summary>
public static class KuramotoParts
{
    public static void Run(BenchSettings s)
    {
        const int b = 64, c = 8, size = 32, k = 13;
        int reps = s.Quick ? 5 : 15;
        torch.manual_seed(0);
        using var scope = NewDisposeScope();
        var theta = torch.rand(b, c, size, size) * 6 - 3;
        var amp = torch.rand(b, c, size, size).tanh();
        var kernel = torch.randn(c, c, k, k) * 0.1;
        void T(string name, Action a)
        {
            a();
            var xs = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                using var sc = NewDisposeScope();
                double t0 = ThreadCpuMs();
                a();
                xs.Add(ThreadCpuMs() - t0);
            }
            s.Log.WriteLine($"  {name,-66} {Harness.Median(xs),8:F3} ms");
        }
        s.Log.WriteLine($"kuramoto parts (threads {torch.get_num_threads()}, batch {b}, {c}x{size}x{size}, k {k}), thread CPU ms, median of {reps}:");
        // Whole passes (T = 15) on each path: forward without autograd, forward with autograd, forward + backward.
        foreach (var path in new[] { CouplingPath.Direct, CouplingPath.ComplexFft })
        {
            using var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = c, KernelSize = k, Steps = 15, Coupling = path });
            T($"{path}: T=15 forward, no_grad", () => { using var ng = torch.no_grad(); layer.Run(amp, theta); });
            T($"{path}: T=15 forward with autograd", () => layer.Run(amp.clone().requires_grad_(true), theta));
            T($"{path}: T=15 forward + backward", () => { layer.zero_grad(); layer.Run(amp.clone().requires_grad_(true), theta).sin().sum().backward(); });
        }
        T("cos + sin of theta", () => { theta.cos(); theta.sin(); });
        T("polar(b, theta)", () => torch.polar(amp, theta));
        T("b*cos, b*sin, complex(bc, bs)", () => torch.complex(amp * theta.cos(), amp * theta.sin()));
        T("elementwise mul (B,C,H,W)", () => { var _ = amp * theta; });
        T("sum over (1,2,3) keepdim", () => amp.sum([1, 2, 3], keepdim: true));
        var z = torch.polar(amp, theta);
        foreach (long l in new long[] { 38, 40, 44, 45, 48 })
        {
            T($"fft2 complex s=[{l},{l}]", () => torch.fft.fft2(z, s: [l, l]));
            var zs = torch.fft.fft2(z, s: [l, l]);
            T($"ifft2 complex {l}x{l}", () => torch.fft.ifft2(zs));
            T($"ifft2 complex {l}x{l} + crop + cat(real, imag)", () => { var f = torch.fft.ifft2(zs).narrow(2, 6, size).narrow(3, 6, size); torch.cat([f.real, f.imag], 0); });
        }
        foreach (long l in new long[] { 40, 45 })
        {
            var zs = torch.fft.fft2(z, s: [l, l]).reshape(b, c, -1);
            var spec = torch.fft.fft2(kernel, s: [l, l]).reshape(c, c, -1);
            T($"Mix: {c} addcmul (B,C,F) F={l * l}", () => Mix(zs, spec));
            var specT = spec.permute(2, 1, 0).contiguous();   // (F, Cin, Cout)
            var zf = zs.permute(2, 0, 1).contiguous();
            T($"Mix as bmm only (F,B,C)@(F,C,C) F={l * l}", () => torch.bmm(zf, specT));
            T($"permute copy (B,C,F)->(F,B,C) F={l * l}", () => zs.permute(2, 0, 1).contiguous());
            T($"KernelGradient loop (8 products + sums) F={l * l}", () =>
            {
                var gc = zs.conj();
                for (int o = 0; o < c; o++) (gc.narrow(1, o, 1) * zs).sum(0L);
            });
            T($"KernelGradient as bmm (F,C,B)@(F,B,C) F={l * l}", () => torch.bmm(zf.conj().transpose(1, 2), zf));
        }
        {
            var view = z.permute(2, 3, 0, 1);
            var f = torch.fft.fft2(view, s: [40, 40], dim: [0, 1]);
            s.Log.WriteLine($"  fft2 of a (H,W,B,C) view: output shape [{string.Join(",", f.shape)}] strides [{string.Join(",", f.stride())}]");
            T("fft2 s=[40,40] over dims (0,1) of a (H,W,B,C) view", () => torch.fft.fft2(view, s: [40, 40], dim: [0, 1]));
            var hw = z.permute(2, 3, 0, 1).contiguous();
            var fc = torch.fft.fft2(hw, s: [40, 40], dim: [0, 1]);
            s.Log.WriteLine($"  fft2 of contiguous (H,W,B,C): output strides [{string.Join(",", fc.stride())}]");
            T("fft2 s=[40,40] over dims (0,1) of contiguous (H,W,B,C)", () => torch.fft.fft2(hw, s: [40, 40], dim: [0, 1]));
            T("ifft2 over dims (0,1) of (L,L,B,C)", () => torch.fft.ifft2(fc, dim: [0, 1]));
        }
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Sec; public long Nsec; }

    /// <summary>CPU time of the calling thread in ms (CLOCK_THREAD_CPUTIME_ID).</summary>
    public static double ThreadCpuMs() { ClockGetTime(3, out var t); return t.Sec * 1e3 + t.Nsec / 1e6; }

    private static Tensor Mix(Tensor x, Tensor s)
    {
        var y = x.narrow(1, 0, 1) * s.select(1, 0);
        for (int c = 1; c < x.shape[1]; c++) y.addcmul_(x.narrow(1, c, 1), s.select(1, c), 1);
        return y;
    }
}
