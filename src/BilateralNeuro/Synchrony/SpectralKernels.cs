using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The two per-frequency channel contractions of the FFT coupling as single-pass CPU loops over complex64 spectra
/// (B, C, F), written in C# with AVX2/FMA (a scalar loop where those are missing) and split over
/// <c>torch.get_num_threads()</c> .NET threads:
/// <list type="bullet">
/// <item><see cref="Mix"/>: y[n, o, f] = Σ_c x[n, c, f]·s[o, c, f] (the correlation, or its adjoint);</item>
/// <item><see cref="ConjProductSum"/>: p[o, c, f] = Σ_n conj(g[n, o, f])·z[n, c, f] (the kernel gradient's spectrum).</item>
/// </list>
/// LibTorch has no batched per-frequency contraction that works in this batch-major layout: as C broadcast
/// multiply-adds the mix rewrites the (B, C_out, F) output once per input channel and the kernel gradient writes a
/// (B, C, F) product per output channel; as batched matmuls both need the spectra transposed to frequency-major and
/// back (copies that did not gain from a second thread). These loops read each input once and write each output once,
/// working on blocks of frequencies small enough for the core's first-level cache. Same numbers as the LibTorch
/// formulation up to float rounding (tests).
/// </summary>
internal static class SpectralKernels
{
    /// <summary>
    /// Frequencies (complex numbers) per block. Measured at the benchmark's shape (C = 8, F = 1,600, 1 thread, Intel
    /// Xeon): 32 → mix 6.3 ms, 128 → 3.7 ms, 256 → 3.0 ms (FFT of the same data 3.1 ms); a block of the prepared
    /// kernel for all (o, c) is then 256 KiB (second-level cache) and each row is read as one 2 KiB stream.
    /// </summary>
    private const int Block = 256;

    /// <summary>A kernel spectrum (C_out, C_in, F) prepared for <see cref="Mix"/>: real parts duplicated and signed imaginary parts duplicated, interleaved as the data.</summary>
    internal sealed class Prepared
    {
        public Prepared(Tensor spectrum)
        {
            if (spectrum.dtype != ScalarType.ComplexFloat32 || spectrum.dim() != 3)
                throw new ArgumentException($"SpectralKernels: expected a complex64 spectrum (C_out, C_in, F), got {spectrum.dtype} with {spectrum.dim()} dimensions.", nameof(spectrum));
            COut = (int)spectrum.shape[0];
            CIn = (int)spectrum.shape[1];
            F = (int)spectrum.shape[2];
            using var real = torch.view_as_real(spectrum.detach().contiguous()).contiguous();   // (C_out, C_in, F, 2)
            var data = real.data<float>().ToArray();
            // Block-major (F blocks, C_out, C_in, 2·Block): the slice one block of frequencies needs is contiguous.
            int f2 = 2 * F, pairs = COut * CIn, blocks = (F + Block - 1) / Block;
            Re = new float[blocks * pairs * 2 * Block];
            ImSigned = new float[Re.Length];
            for (int pair = 0; pair < pairs; pair++)
                for (int i = 0; i < f2; i += 2)
                {
                    int blk = i / (2 * Block), j = ((blk * pairs + pair) * 2 * Block) + i % (2 * Block);
                    float re = data[pair * f2 + i], im = data[pair * f2 + i + 1];
                    Re[j] = re; Re[j + 1] = re;
                    ImSigned[j] = -im; ImSigned[j + 1] = im;
                }
        }

        public int COut { get; }
        public int CIn { get; }
        public int F { get; }
        /// <summary>[re, re] per frequency, layout (F blocks, C_out, C_in, 2·Block).</summary>
        public float[] Re { get; }
        /// <summary>[−im, im] per frequency, layout (F blocks, C_out, C_in, 2·Block).</summary>
        public float[] ImSigned { get; }
    }

    /// <summary>y[n, o, f] = Σ_c x[n, c, f]·s[o, c, f] for contiguous complex64 x (B, C_in, F); returns (B, C_out, F).</summary>
    public static unsafe Tensor Mix(Tensor x, Prepared s)
    {
        long b = x.shape[0];
        if (x.dtype != ScalarType.ComplexFloat32 || x.dim() != 3 || x.shape[1] != s.CIn || x.shape[2] != s.F)
            throw new ArgumentException($"SpectralKernels.Mix: expected complex64 (B, {s.CIn}, {s.F}), got {x.dtype} [{string.Join(", ", x.shape)}].", nameof(x));
        using var xc = x.contiguous();
        var y = torch.empty([b, s.COut, s.F], dtype: ScalarType.ComplexFloat32, device: x.device);
        nint xp = (nint)Pointer(xc), yp = (nint)Pointer(y);
        int blocks = (s.F + Block - 1) / Block;
        fixed (float* sre = s.Re, sim = s.ImSigned)
        {
            nint reP = (nint)sre, imP = (nint)sim;
            // Work items = (frequency block, sample range): balanced over the threads even when the blocks are few.
            int parts = Parts(b);
            Run(blocks * parts, item =>
            {
                int blk = item / parts, part = item % parts;
                long n0 = b * part / parts, n1 = b * (part + 1) / parts;
                MixBlock((float*)xp + n0 * s.CIn * 2 * s.F, (float*)yp + n0 * s.COut * 2 * s.F, (float*)reP, (float*)imP, n1 - n0, s.CIn, s.COut, 2 * s.F, blk);
            });
        }
        return y;
    }

    /// <summary>p[o, c, f] = Σ_n conj(g[n, o, f])·z[n, c, f] for complex64 g (B, C_out, F) and z (B, C_in, F); returns (C_out, C_in, F).</summary>
    public static unsafe Tensor ConjProductSum(Tensor g, Tensor z)
    {
        if (g.dtype != ScalarType.ComplexFloat32 || z.dtype != ScalarType.ComplexFloat32 || g.dim() != 3 || z.dim() != 3 || g.shape[0] != z.shape[0] || g.shape[2] != z.shape[2])
            throw new ArgumentException($"SpectralKernels.ConjProductSum: expected complex64 (B, C_out, F) and (B, C_in, F), got {g.dtype} [{string.Join(", ", g.shape)}] and {z.dtype} [{string.Join(", ", z.shape)}].");
        using var gc = g.contiguous();
        using var zc = z.contiguous();
        long b = g.shape[0];
        int cOut = (int)g.shape[1], cIn = (int)z.shape[1], f = (int)g.shape[2], f2 = 2 * f;
        var p = torch.empty([cOut, cIn, f], dtype: ScalarType.ComplexFloat32, device: g.device);
        nint gp = (nint)Pointer(gc), zp = (nint)Pointer(zc), pp = (nint)Pointer(p);
        int blocks = (f + Block - 1) / Block;
        // Work items = (frequency block, output-channel range): no two items write the same sums.
        int parts = Parts(cOut);
        Run(blocks * parts, item =>
        {
            int blk = item / parts, part = item % parts;
            int o0 = cOut * part / parts, o1 = cOut * (part + 1) / parts;
            ConjProductBlock((float*)gp + o0 * f2, (float*)zp, (float*)pp + (long)o0 * cIn * f2, b, o1 - o0, cOut, cIn, f2, blk);
        });
        return p;
    }

    /// <summary>One block of frequencies of <see cref="Mix"/>: for every sample and output channel, the input channels summed in a register.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MixBlock(float* x, float* y, float* sRe, float* sIm, long b, int cIn, int cOut, int f2, int blk)
    {
        int lo = 2 * blk * Block, hi = Math.Min(f2, lo + 2 * Block), width = hi - lo, stride = 2 * Block;
        float* re0 = sRe + (long)blk * cOut * cIn * stride, im0 = sIm + (long)blk * cOut * cIn * stride;
        for (long n = 0; n < b; n++)
        {
            float* xn = x + n * cIn * f2 + lo;
            float* yn = y + n * cOut * f2 + lo;
            for (int o = 0; o < cOut; o++)
            {
                float* so = re0 + o * cIn * stride, io = im0 + o * cIn * stride, yo = yn + o * f2;
                int i = 0;
                if (Fma.IsSupported)
                {
                    // Four vectors of frequencies at a time, real and swapped products in separate accumulators:
                    // eight independent FMA chains (one chain would wait on the FMA latency at every step).
                    for (; i + 32 <= width; i += 32)
                    {
                        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
                        for (int c = 0; c < cIn; c++)
                        {
                            float* xc = xn + c * f2 + i, sc = so + c * stride + i, ic = io + c * stride + i;
                            var v0 = Avx.LoadVector256(xc); var v1 = Avx.LoadVector256(xc + 8); var v2 = Avx.LoadVector256(xc + 16); var v3 = Avx.LoadVector256(xc + 24);
                            a0 = Fma.MultiplyAdd(v0, Avx.LoadVector256(sc), a0);
                            a1 = Fma.MultiplyAdd(v1, Avx.LoadVector256(sc + 8), a1);
                            a2 = Fma.MultiplyAdd(v2, Avx.LoadVector256(sc + 16), a2);
                            a3 = Fma.MultiplyAdd(v3, Avx.LoadVector256(sc + 24), a3);
                            b0 = Fma.MultiplyAdd(Avx.Permute(v0, 0xB1), Avx.LoadVector256(ic), b0);
                            b1 = Fma.MultiplyAdd(Avx.Permute(v1, 0xB1), Avx.LoadVector256(ic + 8), b1);
                            b2 = Fma.MultiplyAdd(Avx.Permute(v2, 0xB1), Avx.LoadVector256(ic + 16), b2);
                            b3 = Fma.MultiplyAdd(Avx.Permute(v3, 0xB1), Avx.LoadVector256(ic + 24), b3);
                        }
                        Avx.Store(yo + i, Avx.Add(a0, b0));
                        Avx.Store(yo + i + 8, Avx.Add(a1, b1));
                        Avx.Store(yo + i + 16, Avx.Add(a2, b2));
                        Avx.Store(yo + i + 24, Avx.Add(a3, b3));
                    }
                    for (; i + 8 <= width; i += 8)
                    {
                        Vector256<float> acc = default, accs = default;
                        for (int c = 0; c < cIn; c++)
                        {
                            var v = Avx.LoadVector256(xn + c * f2 + i);
                            acc = Fma.MultiplyAdd(v, Avx.LoadVector256(so + c * stride + i), acc);
                            accs = Fma.MultiplyAdd(Avx.Permute(v, 0xB1), Avx.LoadVector256(io + c * stride + i), accs);
                        }
                        Avx.Store(yo + i, Avx.Add(acc, accs));
                    }
                }
                for (; i < width; i += 2)
                {
                    float r = 0, m = 0;
                    for (int c = 0; c < cIn; c++)
                    {
                        float a = xn[c * f2 + i], bb = xn[c * f2 + i + 1], sr = so[c * stride + i], si = io[c * stride + i + 1];
                        r += a * sr - bb * si;
                        m += a * si + bb * sr;
                    }
                    yo[i] = r; yo[i + 1] = m;
                }
            }
        }
    }

    /// <summary>
    /// One block of frequencies of <see cref="ConjProductSum"/>: the (C_out, C_in) block of sums lives in a buffer small
    /// enough for the first-level cache and is updated sample by sample, so g and z are read once, in order.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ConjProductBlock(float* g, float* z, float* p, long b, int cOut, int gChannels, int cIn, int f2, int blk)
    {
        int lo = 2 * blk * Block, hi = Math.Min(f2, lo + 2 * Block), width = hi - lo, stride = 2 * Block;
        int pairs = cOut * cIn;
        float* acc = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(pairs * stride * sizeof(float)), 64);
        try
        {
        new Span<float>(acc, pairs * stride).Clear();
        var sign = Vector256.Create(1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f);
        int vec = Fma.IsSupported ? width / 8 * 8 : 0;
        for (long n = 0; n < b; n++)
        {
            float* gn = g + n * gChannels * f2 + lo;
            float* zn = z + n * cIn * f2 + lo;
            for (int o = 0; o < cOut; o++)
            {
                float* go = gn + o * f2;
                float* ao = acc + o * cIn * stride;
                for (int i = 0; i < vec; i += 8)
                {
                    var gv = Avx.LoadVector256(go + i);
                    var gre = Avx.Permute(gv, 0xA0);                         // [a a]
                    var gim = Avx.Multiply(Avx.Permute(gv, 0xF5), sign);    // [b −b]
                    for (int c = 0; c < cIn; c++)
                    {
                        // conj(a + ib)(x + iy) = (a x + b y) + i(a y − b x): [x y]·[a a] + [y x]·[b −b]
                        var zv = Avx.LoadVector256(zn + c * f2 + i);
                        float* ac = ao + c * stride + i;
                        Avx.Store(ac, Fma.MultiplyAdd(zv, gre, Fma.MultiplyAdd(Avx.Permute(zv, 0xB1), gim, Avx.LoadVector256(ac))));
                    }
                }
                for (int i = vec; i < width; i += 2)
                {
                    float a = go[i], bb = go[i + 1];
                    for (int c = 0; c < cIn; c++)
                    {
                        float xr = zn[c * f2 + i], yi = zn[c * f2 + i + 1];
                        ao[c * stride + i] += a * xr + bb * yi;
                        ao[c * stride + i + 1] += a * yi - bb * xr;
                    }
                }
            }
        }
        for (int pair = 0; pair < pairs; pair++)
            new ReadOnlySpan<float>(acc + pair * stride, width).CopyTo(new Span<float>(p + (long)pair * f2 + lo, width));
        }
        finally { System.Runtime.InteropServices.NativeMemory.AlignedFree(acc); }
    }

    /// <summary>
    /// The modulated maps of a Kuramoto step, zero-padded for the FFT: for float (B, C, H, W) amplitudes a and the
    /// cosines and sines of the phases, returns complex64 (B, C, L_h, L_w) with factor·a·(cos + i·sin) in the top-left
    /// H × W (rotate: factor·a·i·(cos + i·sin) = factor·a·(−sin + i·cos)) and zeros elsewhere — the input
    /// <c>torch.fft.fft2(a·e^{iθ}, s: [L_h, L_w])</c> would pad itself, in one pass instead of four LibTorch operations.
    /// </summary>
    public static unsafe Tensor PadModulate(Tensor a, Tensor cos, Tensor sin, long lh, long lw, float factor, bool rotate)
    {
        CheckMaps(a, cos, sin);
        long b = a.shape[0], c = a.shape[1], h = a.shape[2], w = a.shape[3];
        if (lh < h || lw < w) throw new ArgumentException($"SpectralKernels.PadModulate: padded size {lh} x {lw} is smaller than the maps' {h} x {w}.");
        using var ac = a.contiguous();
        using var cc = cos.contiguous();
        using var sc = sin.contiguous();
        var z = torch.empty([b, c, lh, lw], dtype: ScalarType.ComplexFloat32, device: a.device);
        nint ap = (nint)FloatPointer(ac), cp = (nint)FloatPointer(cc), sp = (nint)FloatPointer(sc), zp = (nint)Pointer(z);
        long plane = h * w, padded = lh * lw;
        Run((int)(b * c), i =>
        {
            float* ai = (float*)ap + i * plane, ci = (float*)cp + i * plane, si = (float*)sp + i * plane, zi = (float*)zp + i * padded * 2;
            for (long y = 0; y < h; y++)
                ModulateRow(ai + y * w, ci + y * w, si + y * w, zi + y * lw * 2, (int)w, (int)lw, factor, rotate);
            new Span<float>(zi + h * lw * 2, (int)((lh - h) * lw * 2)).Clear();
        });
        return z;
    }

    /// <summary>
    /// The demodulated coupling of a Kuramoto step: for complex64 (B, C, L_h, L_w) inverse transforms v and the cosines
    /// and sines (B, C, H, W) of the phases, the real and imaginary parts of v[n, c, pad + y, pad + x]·(cos − i·sin) over
    /// the H × W crop, as two float (B, C, H, W) tensors (one pass instead of the crop, conj, product, real and imag).
    /// </summary>
    public static unsafe (Tensor Re, Tensor Im) Demodulate(Tensor v, Tensor cos, Tensor sin, long pad)
    {
        CheckMaps(cos, cos, sin);
        long b = cos.shape[0], c = cos.shape[1], h = cos.shape[2], w = cos.shape[3];
        if (v.dtype != ScalarType.ComplexFloat32 || v.dim() != 4 || v.shape[0] != b || v.shape[1] != c || v.shape[2] < pad + h || v.shape[3] < pad + w)
            throw new ArgumentException($"SpectralKernels.Demodulate: expected complex64 ({b}, {c}, >= {pad + h}, >= {pad + w}), got {v.dtype} [{string.Join(", ", v.shape)}].", nameof(v));
        long lh = v.shape[2], lw = v.shape[3];
        using var vc = v.contiguous();
        using var cc = cos.contiguous();
        using var sc = sin.contiguous();
        var re = torch.empty([b, c, h, w], dtype: ScalarType.Float32, device: cos.device);
        var im = torch.empty([b, c, h, w], dtype: ScalarType.Float32, device: cos.device);
        nint vp = (nint)Pointer(vc), cp = (nint)FloatPointer(cc), sp = (nint)FloatPointer(sc), rp = (nint)FloatPointer(re), ip = (nint)FloatPointer(im);
        long plane = h * w, padded = lh * lw;
        Run((int)(b * c), i =>
        {
            float* vi = (float*)vp + (i * padded + pad * lw + pad) * 2, ci = (float*)cp + i * plane, si = (float*)sp + i * plane;
            float* ri = (float*)rp + i * plane, mi = (float*)ip + i * plane;
            for (long y = 0; y < h; y++)
                DemodulateRow(vi + y * lw * 2, ci + y * w, si + y * w, ri + y * w, mi + y * w, (int)w);
        });
        return (re, im);
    }

    /// <summary>One row of <see cref="PadModulate"/>: w complex values, then zeros up to lw.</summary>
    private static unsafe void ModulateRow(float* a, float* cos, float* sin, float* z, int w, int lw, float factor, bool rotate)
    {
        int x = 0;
        if (Avx.IsSupported)
        {
            var f = Vector256.Create(factor);
            for (; x + 8 <= w; x += 8)
            {
                var av = Avx.Multiply(Avx.LoadVector256(a + x), f);
                var cv = Avx.LoadVector256(cos + x);
                var sv = Avx.LoadVector256(sin + x);
                var re = rotate ? Avx.Subtract(Vector256<float>.Zero, Avx.Multiply(av, sv)) : Avx.Multiply(av, cv);
                var im = rotate ? Avx.Multiply(av, cv) : Avx.Multiply(av, sv);
                // Interleave (re, im): unpack within 128-bit lanes, then put the lanes in order.
                var lo = Avx.UnpackLow(re, im);    // re0 im0 re1 im1 | re4 im4 re5 im5
                var hi = Avx.UnpackHigh(re, im);   // re2 im2 re3 im3 | re6 im6 re7 im7
                Avx.Store(z + 2 * x, Avx.Permute2x128(lo, hi, 0x20));
                Avx.Store(z + 2 * x + 8, Avx.Permute2x128(lo, hi, 0x31));
            }
        }
        for (; x < w; x++)
        {
            float av = a[x] * factor;
            z[2 * x] = rotate ? -av * sin[x] : av * cos[x];
            z[2 * x + 1] = rotate ? av * cos[x] : av * sin[x];
        }
        new Span<float>(z + 2 * w, 2 * (lw - w)).Clear();
    }

    /// <summary>One row of <see cref="Demodulate"/>: (re, im) of v·(cos − i·sin) = (v_r·cos + v_i·sin, v_i·cos − v_r·sin).</summary>
    private static unsafe void DemodulateRow(float* v, float* cos, float* sin, float* re, float* im, int w)
    {
        int x = 0;
        if (Fma.IsSupported)
        {
            for (; x + 8 <= w; x += 8)
            {
                var v0 = Avx.LoadVector256(v + 2 * x);       // r0 i0 r1 i1 | r2 i2 r3 i3
                var v1 = Avx.LoadVector256(v + 2 * x + 8);   // r4 i4 r5 i5 | r6 i6 r7 i7
                var a = Avx.Permute2x128(v0, v1, 0x20);      // r0 i0 r1 i1 | r4 i4 r5 i5
                var b = Avx.Permute2x128(v0, v1, 0x31);      // r2 i2 r3 i3 | r6 i6 r7 i7
                var vr = Avx.Shuffle(a, b, 0x88);            // r0 r1 r2 r3 | r4 r5 r6 r7
                var vi = Avx.Shuffle(a, b, 0xDD);            // i0 i1 i2 i3 | i4 i5 i6 i7
                var cv = Avx.LoadVector256(cos + x);
                var sv = Avx.LoadVector256(sin + x);
                Avx.Store(re + x, Fma.MultiplyAdd(vr, cv, Avx.Multiply(vi, sv)));
                Avx.Store(im + x, Fma.MultiplySubtract(vi, cv, Avx.Multiply(vr, sv)));
            }
        }
        for (; x < w; x++)
        {
            float vr = v[2 * x], vi = v[2 * x + 1];
            re[x] = vr * cos[x] + vi * sin[x];
            im[x] = vi * cos[x] - vr * sin[x];
        }
    }

    /// <summary>Whether the Kuramoto step's elementwise loops apply to these maps (CPU float32 of one 4-D shape, AVX2/FMA, not switched off).</summary>
    internal static bool UseMaps(Tensor a, Tensor theta) =>
        MaxThreads != 0 && StepLoops && Fma.IsSupported && a.device_type == DeviceType.CPU && theta.device_type == DeviceType.CPU &&
        a.dtype == ScalarType.Float32 && theta.dtype == ScalarType.Float32 && a.dim() == 4 && a.shape.SequenceEqual(theta.shape);

    private static void CheckMaps(Tensor a, Tensor cos, Tensor sin)
    {
        foreach (var t in new[] { a, cos, sin })
            if (t.dtype != ScalarType.Float32 || t.dim() != 4 || t.device_type != DeviceType.CPU || !t.shape.SequenceEqual(a.shape))
                throw new ArgumentException($"SpectralKernels: expected float32 CPU maps (B, C, H, W) of one shape [{string.Join(", ", a.shape)}], got {t.dtype} [{string.Join(", ", t.shape)}] on {t.device_type}.");
    }

    /// <summary>Address of the first float of a contiguous float32 CPU tensor.</summary>
    private static unsafe float* FloatPointer(Tensor t)
    {
        if (t.device_type != DeviceType.CPU) throw new ArgumentException("SpectralKernels: CPU tensors only.");
        using var storage = t.storage<float>();
        return (float*)storage.data_ptr() + t.storage_offset();
    }

    /// <summary>Address of the first float of a contiguous complex64 CPU tensor.</summary>
    private static unsafe float* Pointer(Tensor t)
    {
        if (t.device_type != DeviceType.CPU) throw new ArgumentException("SpectralKernels: CPU tensors only.");
        using var real = torch.view_as_real(t);
        using var storage = real.storage<float>();
        return (float*)storage.data_ptr() + real.storage_offset();   // the tensor keeps the storage alive
    }

    /// <summary>Benchmark switch: null = use the loops with torch.get_num_threads() threads; 0 = use the LibTorch formulation; n = n threads.</summary>
    internal static int? MaxThreads { get; set; }

    /// <summary>Benchmark switch: false = the fused step's elementwise work in LibTorch operations (the spectral loops stay on).</summary>
    internal static bool StepLoops { get; set; } = true;

    /// <summary>Whether the FFT coupling should use these loops (x86 with AVX2/FMA, CPU, not switched off).</summary>
    internal static bool Use(Tensor t) => MaxThreads != 0 && Fma.IsSupported && t.device_type == DeviceType.CPU && t.dtype == ScalarType.ComplexFloat32;

    /// <summary>How many ranges to split a dimension of <paramref name="size"/> into: the thread count, at most the size.</summary>
    private static int Parts(long size) => (int)Math.Max(1, Math.Min(size, MaxThreads is > 0 ? MaxThreads.Value : torch.get_num_threads()));

    /// <summary>Runs blocks 0..count−1 on up to torch.get_num_threads() threads.</summary>
    private static void Run(int count, Action<int> body)
    {
        int threads = Math.Min(MaxThreads ?? torch.get_num_threads(), count);
        if (threads <= 1) { for (int i = 0; i < count; i++) body(i); return; }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, w =>
        {
            for (int i = (int)((long)count * w / threads), end = (int)((long)count * (w + 1) / threads); i < end; i++) body(i);
        });
    }
}
