using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Backbones;

/// <summary>
/// Square max pooling without padding (floor mode, the pooling of AlexNet, VGG and ResNet-9) whose CPU float32 path is
/// a C# loop: LibTorch's NCHW kernel scans every window with scalar index arithmetic and writes 64-bit indices even
/// when no gradient is needed, which made it 7 % of a face-attention run's CPU. Same values and gradients as
/// TorchSharp's <c>nn.MaxPool2d</c> bit for bit: the window is scanned in LibTorch's
/// order with its rule (the first maximum wins, NaN propagates), and the backward adds the output gradients into the
/// input in the output's raster order, as LibTorch's does (<c>MaxPoolTests</c>, overlapping 3/2 and 2/2 windows, ties
/// and NaN). Other devices, dtypes, layouts and shapes go to LibTorch's <c>max_pool2d</c>. No parameters, so state-dict
/// keys are those of the module it replaces.
/// </summary>
public sealed class MaxPool : nn.Module<Tensor, Tensor>
{
    /// <summary>Max pooling over <paramref name="kernel"/>×<paramref name="kernel"/> windows every <paramref name="stride"/> pixels (default: the kernel).</summary>
    public MaxPool(int kernel, int? stride = null) : base("MaxPool2d")
    {
        if (kernel < 1) throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "MaxPool: kernel must be at least 1.");
        if (stride is < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "MaxPool: stride must be at least 1.");
        Kernel = kernel;
        Stride = stride ?? kernel;
    }

    /// <summary>Window side.</summary>
    public int Kernel { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (!MaxPoolKernels.Supported(input, Kernel)) return F.max_pool2d(input, [Kernel, Kernel], [Stride, Stride]);
        if (input.requires_grad && torch.is_grad_enabled()) return MaxPoolFunction.apply(input, Kernel, Stride);
        return MaxPoolKernels.Forward(input, Kernel, Stride, withIndices: false).Output;
    }
}

/// <summary>The C# passes of <see cref="MaxPool"/>.</summary>
internal static class MaxPoolKernels
{
    /// <summary>CPU float32 contiguous (N, C, H, W) with H and W at least the kernel.</summary>
    public static bool Supported(Tensor x, int kernel) =>
        x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && x.dim() == 4 && x.is_contiguous()
        && x.shape[2] >= kernel && x.shape[3] >= kernel && x.numel() > 0 && x.numel() < int.MaxValue;

    /// <summary>The pooled tensor and, when asked, each output's argmax as a plane-local index (h·W + w).</summary>
    public static (Tensor Output, Tensor? Indices) Forward(Tensor x, int k, int s, bool withIndices)
    {
        long n = x.shape[0], c = x.shape[1];
        int h = (int)x.shape[2], w = (int)x.shape[3];
        int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        var output = torch.empty([n, c, oh, ow], dtype: ScalarType.Float32);
        var indices = withIndices ? torch.empty([n, c, oh, ow], dtype: ScalarType.Int32) : null;
        var src = MemoryMarshal.Cast<byte, float>(x.bytes);
        var dst = MemoryMarshal.Cast<byte, float>(output.bytes);
        var idx = indices is null ? default : MemoryMarshal.Cast<byte, int>(indices.bytes);
        int planes = (int)(n * c), inPlane = h * w, outPlane = oh * ow;
        for (int p = 0; p < planes; p++)
        {
            var inp = src.Slice(p * inPlane, inPlane);
            var outp = dst.Slice(p * outPlane, outPlane);
            var idxp = indices is null ? default : idx.Slice(p * outPlane, outPlane);
            if (k == 2 && s == 2) Plane2x2(inp, outp, idxp, w, oh, ow, indices is not null);
            else PlaneAny(inp, outp, idxp, w, oh, ow, k, s, indices is not null);
        }
        return (output, indices);
    }

    // LibTorch's rule (cpu_max_pool): start at −∞ with the window's first index; take a value when it is greater or NaN.
    private static void PlaneAny(Span<float> inp, Span<float> outp, Span<int> idxp, int w, int oh, int ow, int k, int s, bool keep)
    {
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                int y0 = y * s, x0 = x * s;
                int best = y0 * w + x0;
                float max = float.NegativeInfinity;
                for (int yy = y0; yy < y0 + k; yy++)
                    for (int xx = x0; xx < x0 + k; xx++)
                    {
                        int i = yy * w + xx;
                        float v = inp[i];
                        if (v > max || float.IsNaN(v)) { max = v; best = i; }
                    }
                outp[y * ow + x] = max;
                if (keep) idxp[y * ow + x] = best;
            }
    }

    // 2×2 windows with stride 2, eight outputs at a time: the four candidates in scan order (top-left, top-right,
    // bottom-left, bottom-right) merged with the same rule as PlaneAny.
    private static void Plane2x2(Span<float> inp, Span<float> outp, Span<int> idxp, int w, int oh, int ow, bool keep)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int y = 0; y < oh; y++)
        {
            var top = inp.Slice(2 * y * w, w);
            var bottom = inp.Slice((2 * y + 1) * w, w);
            int x = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; x + 8 <= ow && 2 * x + 16 <= w; x += 8)
                {
                    var (a, b) = Deinterleave(top.Slice(2 * x, 16));
                    var (cc, d) = Deinterleave(bottom.Slice(2 * x, 16));
                    var max = a;
                    var col = Vector256<int>.Zero;                     // 0 a, 1 b, 2 c, 3 d
                    var take = Vector256.GreaterThan(b, max) | ~Vector256.Equals(b, b);
                    max = Vector256.ConditionalSelect(take, b, max);
                    col = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(1), col);
                    take = Vector256.GreaterThan(cc, max) | ~Vector256.Equals(cc, cc);
                    max = Vector256.ConditionalSelect(take, cc, max);
                    col = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(2), col);
                    take = Vector256.GreaterThan(d, max) | ~Vector256.Equals(d, d);
                    max = Vector256.ConditionalSelect(take, d, max);
                    col = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(3), col);
                    max.StoreUnsafe(ref MemoryMarshal.GetReference(outp), (nuint)(y * ow + x));
                    if (keep)
                    {
                        // index = (2y + row)·W + 2(x + lane) + column, row = col >> 1, column = col & 1
                        var index = Vector256.Create(2 * y * w + 2 * x) + (lane << 1) + (col >>> 1) * Vector256.Create(w) + (col & Vector256.Create(1));
                        index.StoreUnsafe(ref MemoryMarshal.GetReference(idxp), (nuint)(y * ow + x));
                    }
                }
            }
            for (; x < ow; x++)
            {
                int i0 = 2 * y * w + 2 * x;
                int best = i0;
                float max = float.NegativeInfinity;
                Take(inp, i0, ref max, ref best);
                Take(inp, i0 + 1, ref max, ref best);
                Take(inp, i0 + w, ref max, ref best);
                Take(inp, i0 + w + 1, ref max, ref best);
                outp[y * ow + x] = max;
                if (keep) idxp[y * ow + x] = best;
            }
        }
    }

    private static void Take(Span<float> inp, int i, ref float max, ref int best)
    {
        float v = inp[i];
        if (v > max || float.IsNaN(v)) { max = v; best = i; }
    }

    private static readonly Vector256<int> EvenLanes = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
    private static readonly Vector256<int> OddLanes = Vector256.Create(1, 3, 5, 7, 1, 3, 5, 7);
    private static readonly Vector256<float> UpperHalf = Vector256.Create(0, 0, 0, 0, -1, -1, -1, -1).AsSingle();

    // 16 consecutive floats → (even positions, odd positions).
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(Span<float> sixteen)
    {
        var lo = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(sixteen));
        var hi = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(sixteen), 8);
        if (Avx2.IsSupported)
            return (Vector256.ConditionalSelect(UpperHalf, Avx2.PermuteVar8x32(hi, EvenLanes), Avx2.PermuteVar8x32(lo, EvenLanes)),
                    Vector256.ConditionalSelect(UpperHalf, Avx2.PermuteVar8x32(hi, OddLanes), Avx2.PermuteVar8x32(lo, OddLanes)));
        return (Vector256.Create(lo[0], lo[2], lo[4], lo[6], hi[0], hi[2], hi[4], hi[6]),
                Vector256.Create(lo[1], lo[3], lo[5], lo[7], hi[1], hi[3], hi[5], hi[7]));
    }

    /// <summary>
    /// ∂L/∂input: zeros, then every output's gradient added at its argmax, plane by plane in the output's raster order
    /// (LibTorch's cpu_max_pool_backward order, so overlapping windows sum in the same order).
    /// </summary>
    public static Tensor Backward(Tensor gradOutput, Tensor indices, long[] inputShape)
    {
        using var go = gradOutput.dtype == ScalarType.Float32 ? gradOutput.contiguous() : gradOutput.to(ScalarType.Float32).contiguous();
        var gradInput = torch.zeros(inputShape, dtype: ScalarType.Float32);
        var g = MemoryMarshal.Cast<byte, float>(go.bytes);
        var idx = MemoryMarshal.Cast<byte, int>(indices.bytes);
        var gi = MemoryMarshal.Cast<byte, float>(gradInput.bytes);
        int planes = (int)(inputShape[0] * inputShape[1]), inPlane = (int)(inputShape[2] * inputShape[3]);
        int outPlane = (int)(indices.shape[2] * indices.shape[3]);
        for (int p = 0; p < planes; p++)
        {
            var gip = gi.Slice(p * inPlane, inPlane);
            int o0 = p * outPlane;
            for (int o = 0; o < outPlane; o++) gip[idx[o0 + o]] += g[o0 + o];
        }
        return gradInput;
    }
}

/// <summary>The autograd node of <see cref="MaxPool"/>: saves the argmax indices (int32) and the input's shape.</summary>
internal sealed class MaxPoolFunction : torch.autograd.SingleTensorFunction<MaxPoolFunction>
{
    public override string Name => "MaxPool2dCSharp";

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        int k = (int)vars[1], s = (int)vars[2];
        var (output, indices) = MaxPoolKernels.Forward(input, k, s, withIndices: true);
        ctx.save_for_backward([indices!]);
        ctx.save_data("shape", input.shape);
        return output;
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor g)
    {
        var shape = (long[])ctx.get_data("shape");
        var indices = ctx.get_saved_variables()[0];
        return [MaxPoolKernels.Backward(g, indices, shape), null!, null!];
    }
}
