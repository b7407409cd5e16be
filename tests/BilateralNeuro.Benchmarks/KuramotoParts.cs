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
        if (Environment.GetEnvironmentVariable("KURAMOTO_PARTS_LIVE_RSS") == "1")
        {
            // Live memory of one pass per path: glibc's mmap threshold fixed at 1 MiB (as --live-rss), so the peak RSS
            // the pass adds counts live tensors, not blocks glibc keeps; each path measured twice, in turn.
            BilateralNeuro.Core.Native.NativeAllocator.SetMmapThreshold(1 << 20);
            foreach (var round in new[] { 1, 2 })
                foreach (var path in new[] { CouplingPath.Direct, CouplingPath.Batched, CouplingPath.ComplexFft })
                {
                    using var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = c, KernelSize = k, Steps = 15, Coupling = path });
                    double mb = Rss.PeakDelta(() =>
                    {
                        using var sc = NewDisposeScope();
                        layer.Run(amp.clone().requires_grad_(true), theta).sin().sum().backward();
                    });
                    s.Log.WriteLine($"  live peak RSS added by one T=15 forward + backward pass, {path} (round {round}): {mb:F0} MB");
                }
            return;
        }
        s.Log.WriteLine($"kuramoto parts (threads {torch.get_num_threads()}, batch {b}, {c}x{size}x{size}, k {k}), thread CPU ms, median of {reps}:");
        // Whole passes (T = 15) on each path: forward without autograd, forward with autograd, forward + backward.
        var paths = Environment.GetEnvironmentVariable("KURAMOTO_PARTS_PATHS") is { } only ? only.Split(',').Select(Enum.Parse<CouplingPath>).ToArray() : [CouplingPath.Direct, CouplingPath.ComplexFft];
        foreach (var path in paths)
        {
            using var layer = new KuramotoSyncLayer(new KuramotoOptions { Channels = c, KernelSize = k, Steps = 15, Coupling = path });
            T($"{path}: T=15 forward, no_grad", () => { using var ng = torch.no_grad(); layer.Run(amp, theta); });
            T($"{path}: T=15 forward with autograd", () => layer.Run(amp.clone().requires_grad_(true), theta));
            T($"{path}: T=15 forward + backward", () => { layer.zero_grad(); layer.Run(amp.clone().requires_grad_(true), theta).sin().sum().backward(); });
        }
        if (Environment.GetEnvironmentVariable("KURAMOTO_PARTS_PASSES_ONLY") == "1") return;
        foreach (long rows in new long[] { 512, 520, 576, 1024, 1040 })
        {
            var fm = torch.randn(1600, rows, dtype: ScalarType.ComplexFloat32);
            var bm = torch.randn(rows, 1600, dtype: ScalarType.ComplexFloat32);
            T($"2-D transpose copy (1600, {rows}) -> ({rows}, 1600) complex", () => fm.t().contiguous());
            T($"2-D transpose copy ({rows}, 1600) -> (1600, {rows}) complex", () => bm.t().contiguous());
        }
        if (Environment.GetEnvironmentVariable("KURAMOTO_PARTS_TRANSPOSE_ONLY") == "1") return;
        // The fused ComplexFft step's forward, piece by piece (the same operations as ComplexFftCorrelation.StepForward).
        {
            const long l = 40;
            var spec = torch.fft.fft2(kernel.flip(2, 3), s: [l, l]).reshape(c, c, -1).permute(2, 1, 0).contiguous();
            var cos = theta.cos(); var sin = theta.sin();
            var zc = torch.complex(amp * cos, amp * sin);
            var full = torch.fft.fft2(zc, s: [l, l]);
            var zf = full.reshape(b, c, -1).permute(2, 0, 1).contiguous();
            var mixed = torch.bmm(zf, spec);
            var bm = mixed.permute(1, 2, 0).reshape(b, c, l, l);
            var inv = torch.fft.ifft2(bm);
            var w = inv.narrow(2, 6, size).narrow(3, 6, size);
            T("step: cos, sin, b*cos, b*sin, complex", () => { var cs = theta.cos(); var sn = theta.sin(); torch.complex(amp * cs, amp * sn); });
            T("step: fft2 s=[40,40]", () => torch.fft.fft2(zc, s: [l, l]));
            T("step: reshape + permute(2,0,1).contiguous (F,B,C)", () => full.reshape(b, c, -1).permute(2, 0, 1).contiguous());
            T("step: bmm (F,B,C)@(F,C,C)", () => torch.bmm(zf, spec));
            T("step: permute(1,2,0).reshape (B,C,L,L) copy", () => mixed.permute(1, 2, 0).reshape(b, c, l, l));
            T("step: ifft2 40x40", () => torch.fft.ifft2(bm));
            T("step: crop + real/imag + eps + r + v + add (strided views)", () =>
            {
                var cc = w.real - 0.2 * (amp * cos).sum([1, 2, 3], keepdim: true);
                var cs = w.imag - 0.2 * (amp * sin).sum([1, 2, 3], keepdim: true);
                var r = cos * cc + sin * cs;
                theta.add(cos * cs - sin * cc, 0.006);
            });
            T("step: same on a contiguous crop copy (incl. the copy)", () =>
            {
                var wc = w.contiguous();
                var cc = wc.real - 0.2 * (amp * cos).sum([1, 2, 3], keepdim: true);
                var cs = wc.imag - 0.2 * (amp * sin).sum([1, 2, 3], keepdim: true);
                var r = cos * cc + sin * cs;
                theta.add(cos * cs - sin * cc, 0.006);
            });
            T("step: crop via view_as_real + unbind (contiguous real planes)", () =>
            {
                var ri = torch.view_as_real(w).permute(4, 0, 1, 2, 3).contiguous();
                var cc = ri[0] - 0.2 * (amp * cos).sum([1, 2, 3], keepdim: true);
                var cs = ri[1] - 0.2 * (amp * sin).sum([1, 2, 3], keepdim: true);
                var r = cos * cc + sin * cs;
                theta.add(cos * cs - sin * cc, 0.006);
            });
            T("step: permute(1,2,0).reshape + contiguous + ifft2", () => torch.fft.ifft2(mixed.permute(1, 2, 0).reshape(b, c, l, l).contiguous()));
            T("step: 2-D transpose copy (F,BC)->(BC,F) [blocked copy_]", () => mixed.reshape(l * l, b * c).t().contiguous());
            T("step: 2-D transpose copy (BC,F)->(F,BC) [blocked copy_]", () => full.reshape(b * c, l * l).t().contiguous());
            T("step: 2-D transpose + ifft2", () => torch.fft.ifft2(mixed.reshape(l * l, b * c).t().contiguous().reshape(b, c, l, l)));
            var llbc = mixed.reshape(l, l, b, c);
            T("step: ifft2 dims (0,1) of contiguous (L,L,B,C)", () => torch.fft.ifft2(llbc, dim: [0, 1]));
            var invL = torch.fft.ifft2(llbc, dim: [0, 1]);
            s.Log.WriteLine($"  ifft2 dims (0,1) of (L,L,B,C): output strides [{string.Join(",", invL.stride())}]");
            var u = torch.complex(cos, sin);
            T("step: u = complex(cos, sin); z = b*u", () => { var uu = torch.complex(theta.cos(), theta.sin()); var _ = uu * amp; });
            T("step: q = w * conj(u) (strided w) ; r = q.real.contiguous ; theta + eta*q.imag", () =>
            {
                var q = w * u.conj();
                q.real.contiguous();
                theta.add(q.imag, 0.006);
            });
            T("step: bmm with spectrum (F,C,C) not contiguous-transposed", () => torch.bmm(zf, spec.transpose(1, 2)));
            T("step: complex mul (F,B,C) * (F,B,C)", () => { var _ = zf * zf; });
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
