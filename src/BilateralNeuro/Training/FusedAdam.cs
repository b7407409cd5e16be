using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// TorchSharp's <see cref="Adam"/> with its update written as one C# pass over each parameter instead of nine LibTorch
/// calls (two of which allocate). <see cref="Create"/> returns a <see cref="Adam"/>: the optimiser keeps Adam's
/// options and state objects, its type is named <c>Adam</c>, so <c>state_dict</c>, checkpoints and
/// <c>load_state_dict</c> streams are interchangeable with TorchSharp's Adam in both directions.
/// </summary>
/// <remarks>
/// The pass reproduces the float32 arithmetic of <see cref="Adam.step"/> operation by operation, including where
/// LibTorch's CPU kernels fuse a multiply and an add, and takes the square root from the same MKL routine LibTorch's
/// <c>sqrt</c> calls (<c>vmsSqrt</c> in high-accuracy mode, exported by <c>libtorch_cpu</c>; it is not always correctly
/// rounded, so a C# square root would differ in about 1 % of the elements). The parameters and moments are therefore bit
/// for bit those of <see cref="Adam"/> (<c>FusedAdamTests</c> checks this over shapes that exercise LibTorch's vector
/// body and scalar tail, with weight decay, and at 1 and 2 LibTorch threads), so switching the engine to it changed no
/// result. Where that routine or FMA hardware is missing (<see cref="IsAvailable"/> false), for parameters that are not
/// contiguous float32 CPU tensors, and with AMSGrad or <c>maximize</c>, the step is <see cref="Adam.step"/> itself. The
/// engine creates this optimiser for <see cref="OptimizerKind.Adam"/> (<see cref="OptimizerSettings"/>).
/// </remarks>
public static class FusedAdam
{
    /// <summary>Adam over <paramref name="parameters"/>; arguments as <see cref="optim.Adam(IEnumerable{Parameter}, double, double, double, double, double, bool, bool)"/>.</summary>
    public static TorchSharp.Modules.Adam Create(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0) =>
        new Adam(parameters, lr, beta1, beta2, eps, weight_decay);

    /// <summary>Parameter updates <paramref name="optimizer"/> made by the fused pass (0 for any other optimiser).</summary>
    public static long FusedUpdates(TorchSharp.Modules.Adam optimizer) => optimizer is Adam f ? f.Updates : 0;

    /// <summary>
    /// Whether the fused pass can run in this process: FMA hardware and LibTorch's MKL square root (<c>vmsSqrt</c>) found
    /// in the loaded <c>libtorch_cpu</c>. Resolved once, after LibTorch is loaded.
    /// </summary>
    public static unsafe bool IsAvailable => Fma.IsSupported && Vector256.IsHardwareAccelerated && MklSqrt.Value != 0;

    // VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE: the mode LibTorch's vml::vsqrt passes (ATen/cpu/vml.h).
    private const long VmlMode = 0x00000002 | 0x00140000 | 0x00000100;

    private static readonly Lazy<nint> MklSqrt = new(() =>
    {
        foreach (var name in new[] { "libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll", "libtorch_cpu" })
            if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, "vmsSqrt", out var f)) return f;
        return 0;
    });

    // Named Adam so that TorchSharp's state streams (which carry the optimiser's type name) load either way.
    private sealed class Adam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay)
        : TorchSharp.Modules.Adam(parameters, lr, beta1, beta2, eps, weightDecay)
    {
        private float[] scratch = [];

        public override Tensor step(Func<Tensor>? closure = null)
        {
            // A closure computes the gradients inside the step, after they could be checked: Adam's own step then.
            if (closure is not null || !IsAvailable) return base.step(closure!);
            var work = Gather();
            if (work is null) return base.step(closure!);
            try
            {
                foreach (var (options, param, grad, state) in work)
                {
                    double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
                    double lr = options.LearningRate!.Value;
                    state.step += 1;
                    double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                    double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                    var k = new Coefficients(
                        (float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2),
                        (float)Math.Sqrt(biasCorrection2), (float)options.eps!.Value, (float)(-(lr / biasCorrection1)), (float)options.weight_decay!.Value);
                    int n = (int)param.numel();
                    if (scratch.Length < n) scratch = GC.AllocateUninitializedArray<float>(n, pinned: true);
                    Update(Floats(param), Floats(grad), Floats(state.exp_avg), Floats(state.exp_avg_sq), scratch.AsSpan(0, n), k);
                    Updates++;
                }
            }
            finally
            {
                foreach (var w in work) w.Grad.Dispose();
            }
            return null!;   // as Adam.step without a closure
        }

        // Every parameter with a gradient, with its group's options and state, in Adam's order; null (nothing held) when
        // one of them cannot take the fused pass. One gradient handle per parameter per step.
        private List<(Options Options, Parameter Param, Tensor Grad, State State)>? Gather()
        {
            var work = new List<(Options, Parameter, Tensor, State)>();
            foreach (var group in _parameter_groups)
            {
                var options = (Options)group.Options;
                foreach (var param in group.Parameters)
                {
                    var grad = param.grad;
                    if (grad is null) continue;
                    var state = (State)_state[param.Handle];
                    work.Add((options, param, grad, state));
                    long n = param.numel();
                    if (options.amsgrad == true || options.maximize == true
                        || !Plain(param) || !Plain(grad) || !Plain(state.exp_avg) || !Plain(state.exp_avg_sq)
                        || grad.numel() != n || state.exp_avg.numel() != n || state.exp_avg_sq.numel() != n || n > int.MaxValue / sizeof(float))
                    {
                        foreach (var w in work) w.Item3.Dispose();
                        return null;
                    }
                }
            }
            return work;
        }

        public long Updates { get; private set; }
    }

    private static bool Plain(Tensor t) => t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU && t.is_contiguous();

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    /// <summary>Float32 constants of one update, converted from double as LibTorch converts its scalars.</summary>
    internal readonly record struct Coefficients(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float SqrtBiasCorrection2, float Eps, float NegativeStepSize, float WeightDecay);

    /// <summary>
    /// One Adam update in place. Per element, in LibTorch's order: g ← fma(p, wd, g) (only when wd ≠ 0);
    /// m ← fma(g, 1−β₁, m·β₁); v ← fma((1−β₂)·g, g, v·β₂); d ← MKL √v / √bc₂ + ε; p ← p + (−lr/bc₁·m) / d.
    /// </summary>
    internal static unsafe void Update(Span<float> p, Span<float> g, Span<float> m, Span<float> v, Span<float> root, Coefficients k)
    {
        int n = p.Length, i = 0;
        bool decay = k.WeightDecay != 0f;
        var b1 = Vector256.Create(k.Beta1); var a1 = Vector256.Create(k.OneMinusBeta1);
        var b2 = Vector256.Create(k.Beta2); var a2 = Vector256.Create(k.OneMinusBeta2);
        var wd = Vector256.Create(k.WeightDecay);
        ref float pr = ref MemoryMarshal.GetReference(p), gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m), vr = ref MemoryMarshal.GetReference(v);
        ref float rr = ref MemoryMarshal.GetReference(root);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var gi = Vector256.LoadUnsafe(ref gr, (nuint)i);
            if (decay) gi = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref pr, (nuint)i), wd, gi);
            Fma.MultiplyAdd(gi, a1, Vector256.LoadUnsafe(ref mr, (nuint)i) * b1).StoreUnsafe(ref mr, (nuint)i);
            Fma.MultiplyAdd(a2 * gi, gi, Vector256.LoadUnsafe(ref vr, (nuint)i) * b2).StoreUnsafe(ref vr, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = decay ? MathF.FusedMultiplyAdd(p[i], k.WeightDecay, g[i]) : g[i];
            m[i] = MathF.FusedMultiplyAdd(gi, k.OneMinusBeta1, m[i] * k.Beta1);
            v[i] = MathF.FusedMultiplyAdd(k.OneMinusBeta2 * gi, gi, v[i] * k.Beta2);
        }
        fixed (float* vp = v, rp = root)
            ((delegate* unmanaged<int, float*, float*, long, void>)MklSqrt.Value)(n, vp, rp, VmlMode);
        var s2 = Vector256.Create(k.SqrtBiasCorrection2); var e = Vector256.Create(k.Eps);
        var ns = Vector256.Create(k.NegativeStepSize);
        for (i = 0; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var d = Vector256.LoadUnsafe(ref rr, (nuint)i) / s2 + e;
            (Vector256.LoadUnsafe(ref pr, (nuint)i) + ns * Vector256.LoadUnsafe(ref mr, (nuint)i) / d).StoreUnsafe(ref pr, (nuint)i);
        }
        for (; i < n; i++) p[i] += k.NegativeStepSize * m[i] / (root[i] / k.SqrtBiasCorrection2 + k.Eps);
    }
}
