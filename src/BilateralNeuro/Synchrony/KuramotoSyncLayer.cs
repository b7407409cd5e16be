using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// Kuramoto oscillators on the units of a feature map (N, C, H, W). Unit i has phase θ_i and amplitude
/// b_i = tanh(a_i) from the input amplitude a ≥ 0, and one Euler step is θ ← θ + η·dθ with
/// dθ_i = Σ_j K_ij b_j sin(θ_j − θ_i) − ε·Σ_all b_j sin(θ_j − θ_i), K a learned channel-to-channel local kernel
/// (C, C, k, k). Using sin(θ_j − θ_i) = sin θ_j cos θ_i − cos θ_j sin θ_i, the local sum is a convolution of
/// b·cos θ and b·sin θ with K and the global sum is a per-sample total, so memory and time are O(N·C·H·W), never
/// an N×N matrix. state_dict key: <c>kernel</c>.
/// </summary>
public sealed class KuramotoSyncLayer : Module<Tensor, Tensor>
{
    private readonly Parameter kernel;

    /// <summary>Creates the layer from validated options.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid.</exception>
    public KuramotoSyncLayer(KuramotoOptions options) : base(nameof(KuramotoSyncLayer))
    {
        Options = KuramotoOptionsValidator.Check(options ?? throw new ArgumentNullException(nameof(options))).Clone();
        kernel = new Parameter(GaussianKernel(Options.Channels, Options.KernelSize, Options.KernelInitStd), requires_grad: Options.LearnableKernel);
        RegisterComponents();
    }

    /// <summary>The layer's options (a copy).</summary>
    public KuramotoOptions Options { get; }
    /// <summary>The coupling kernel K (C, C, k, k).</summary>
    public Parameter Kernel => kernel;

    /// <summary>
    /// The path <see cref="CouplingPath.Auto"/> resolves to: FFT when an operation count (k² multiply-adds per
    /// output for the direct convolution against the transforms of size smooth(H + k/2) plus C complex multiply-adds
    /// per frequency) favours it by more than <see cref="FftMargin"/>, else the batched convolution. The margin is
    /// calibrated by measurement (C = 8, maps 14–64, forward and backward): the FFT path was faster from k = 9
    /// (1.5–2.5x) and at k = 13 (2.2–3.5x), break-even or slower at k ≤ 7, where the operation ratio is below 8.
    /// Where the count favours the transforms, the one-complex-transform path (<see cref="CouplingPath.ComplexFft"/>)
    /// is chosen: at k = 13 on 8x32x32 (T = 15, forward and backward, batch 64) it ran 1.44x faster than the two-real-
    /// transform path (754 vs 1,084 ms per pass, idle Intel Xeon, docs/performance.md).
    /// </summary>
    public static CouplingPath ChoosePath(int channels, int kernelSize, long height, long width)
    {
        double direct = 2.0 * channels * channels * height * width * kernelSize * kernelSize;
        double lh = CouplingPlan.SmoothSize(height + kernelSize / 2), lw = CouplingPlan.SmoothSize(width + kernelSize / 2);
        double transforms = 2.0 * channels * 2.5 * lh * lw * Math.Log2(lh * lw);          // C forward + C inverse
        double products = 8.0 * channels * channels * lh * (Math.Floor(lw / 2) + 1);
        return direct > FftMargin * (transforms + products) ? CouplingPath.ComplexFft : CouplingPath.Batched;
    }

    /// <summary>Operation-count advantage the FFT path must have before <see cref="CouplingPath.Auto"/> picks it.</summary>
    public const double FftMargin = 8.0;

    /// <summary>A coupling plan for maps of the given size (the path resolved; FFT spectrum precomputed).</summary>
    public CouplingPlan Plan(long height, long width)
    {
        var path = Options.Coupling == CouplingPath.Auto ? ChoosePath(Options.Channels, Options.KernelSize, height, width) : Options.Coupling;
        return new CouplingPlan(kernel, path, height, width);
    }

    /// <summary>Initial phases of the shape of <paramref name="amplitude"/> by the configured policy.</summary>
    public Tensor InitialPhases(Tensor amplitude, Generator? generator = null) => Options.InitialPhases switch
    {
        InitialPhasePolicy.Zero => torch.zeros_like(amplitude),
        _ => torch.rand(amplitude.shape, generator: generator, device: amplitude.device) * (2 * Math.PI) - Math.PI,
    };

    /// <summary>dθ/dt (without η) for oscillator amplitudes b = tanh(a) and phases θ, both (N, C, H, W).</summary>
    public Tensor Velocity(Tensor b, Tensor theta, CouplingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.FusedStep(b, theta, Options.Epsilon, 1.0, addTheta: false) is { } fused) return fused;
        using var scope = NewDisposeScope();
        var cos = theta.cos();
        var sin = theta.sin();
        var bc = b * cos;
        var bs = b * sin;
        var (cc, cs) = plan.Apply(bc, bs);
        double eps = Options.Epsilon;
        if (eps != 0)
        {
            cc = cc - eps * bc.sum([1, 2, 3], keepdim: true);
            cs = cs - eps * bs.sum([1, 2, 3], keepdim: true);
        }
        return (cos * cs - sin * cc).MoveToOuterDisposeScope();
    }

    /// <summary>One Euler step θ + η·dθ.</summary>
    public Tensor Step(Tensor b, Tensor theta, CouplingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.FusedStep(b, theta, Options.Epsilon, Options.StepSize, addTheta: true) is { } fused) return fused;
        using var scope = NewDisposeScope();
        return (theta + Options.StepSize * Velocity(b, theta, plan)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs T steps from initial phases (the configured policy, or <paramref name="initialPhases"/>) on amplitudes
    /// (N, C, H, W) ≥ 0; returns the phases after every step (N, T, C, H, W).
    /// </summary>
    public Tensor Run(Tensor amplitude, Tensor? initialPhases = null)
    {
        Guard.ImageBatch(amplitude, Options.Channels, nameof(KuramotoSyncLayer), "amplitude");
        if (initialPhases is not null && !initialPhases.shape.SequenceEqual(amplitude.shape))
            throw new ArgumentException($"{nameof(KuramotoSyncLayer)}: expected initial phases of shape {Guard.Describe(amplitude)}, got {Guard.Describe(initialPhases)}.", nameof(initialPhases));
        using var scope = NewDisposeScope();
        var b = amplitude.tanh();
        var plan = Plan(amplitude.shape[2], amplitude.shape[3]);
        var theta = initialPhases ?? InitialPhases(amplitude);
        var history = new List<Tensor>(Options.Steps);
        for (int t = 0; t < Options.Steps; t++)
        {
            theta = Step(b, theta, plan);
            history.Add(theta);
        }
        return torch.stack(history, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Same as <see cref="Run"/> with the configured initial phases.</summary>
    public override Tensor forward(Tensor amplitude) => Run(amplitude);

    /// <summary>The reference initial kernel: exp(−d²/(2σ²)) over a [−1, 1]² grid, repeated for every channel pair.</summary>
    public static Tensor GaussianKernel(int channels, int size, double std)
    {
        using var scope = NewDisposeScope();
        var r = size == 1 ? torch.zeros(1) : torch.linspace(-1, 1, size);
        var d2 = r.reshape(-1, 1).square() + r.reshape(1, -1).square();
        var g = (-d2 / (2 * std * std)).exp();
        return g.reshape(1, 1, size, size).repeat(channels, channels, 1, 1).contiguous().MoveToOuterDisposeScope();
    }
}
