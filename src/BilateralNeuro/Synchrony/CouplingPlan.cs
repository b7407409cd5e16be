using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The local coupling C = K ⋆ (b·e^{iθ}) of a Kuramoto field for one map size, with the path fixed. For the FFT path
/// the kernel's spectra (forward and adjoint) are computed once here and reused by every Euler step; the kernel
/// gradient of each step comes from that step's hand-written backward (<see cref="FftCorrelation"/>, or
/// <see cref="ComplexFftCorrelation"/> for <see cref="CouplingPath.ComplexFft"/>).
/// Create it inside the caller's dispose scope with <see cref="KuramotoSyncLayer.Plan"/>.
/// </summary>
public sealed class CouplingPlan
{
    private readonly Tensor kernel;
    private readonly FftCorrelation? fft;
    private readonly ComplexFftCorrelation? complexFft;
    private readonly int pad;

    internal CouplingPlan(Tensor kernel, CouplingPath path, long height, long width)
    {
        if (path == CouplingPath.Auto) throw new ArgumentException("CouplingPlan: resolve Auto to a concrete path first.", nameof(path));
        this.kernel = kernel;
        Path = path;
        Height = height;
        Width = width;
        pad = (int)(kernel.shape[2] / 2);
        if (path == CouplingPath.Fft) fft = new FftCorrelation(kernel, height, width);
        if (path == CouplingPath.ComplexFft) complexFft = new ComplexFftCorrelation(kernel, height, width);
    }

    /// <summary>The concrete path.</summary>
    public CouplingPath Path { get; }
    /// <summary>Map height.</summary>
    public long Height { get; }
    /// <summary>Map width.</summary>
    public long Width { get; }

    /// <summary>The smallest n' ≥ n whose only prime factors are 2, 3 and 5 (fast FFT sizes).</summary>
    internal static long SmoothSize(long n)
    {
        for (long m = n; ; m++)
        {
            long r = m;
            foreach (var p in new[] { 2L, 3L, 5L }) while (r % p == 0) r /= p;
            if (r == 1) return m;
        }
    }

    /// <summary>
    /// Returns (K ⋆ bc, K ⋆ bs) with "same" zero padding, where K is (C_out, C_in, k, k) and bc, bs are (N, C_in, H, W).
    /// </summary>
    public (Tensor Cos, Tensor Sin) Apply(Tensor bc, Tensor bs)
    {
        long n = bc.shape[0];
        switch (Path)
        {
            case CouplingPath.Direct:
                return (F.conv2d(bc, kernel, padding: [pad, pad]), F.conv2d(bs, kernel, padding: [pad, pad]));
            case CouplingPath.Batched:
            {
                var y = F.conv2d(torch.cat([bc, bs], 0), kernel, padding: [pad, pad]);
                return (y.narrow(0, 0, n), y.narrow(0, n, n));
            }
            case CouplingPath.Fft:
            {
                var y = fft!.Apply(torch.cat([bc, bs], 0));
                return (y.narrow(0, 0, n), y.narrow(0, n, n));
            }
            case CouplingPath.ComplexFft:
            {
                var y = complexFft!.Apply(bc, bs);
                return (y.narrow(0, 0, n), y.narrow(0, n, n));
            }
            default:
                throw new InvalidOperationException($"CouplingPlan: unknown path {Path}.");
        }
    }

    /// <summary>
    /// The fused velocity of the <see cref="CouplingPath.ComplexFft"/> path, <c>(addTheta ? θ : 0) + scale·dθ</c>, as
    /// one autograd node, or null on the other paths (the caller composes <see cref="Apply"/> with autograd).
    /// </summary>
    internal Tensor? FusedStep(Tensor b, Tensor theta, double epsilon, double scale, bool addTheta) =>
        complexFft is not null && FuseSteps ? complexFft.Step(b, theta, epsilon, scale, addTheta) : null;

    /// <summary>Benchmark switch: whether the ComplexFft path runs each Euler step as one fused node (default true).</summary>
    internal static bool FuseSteps { get; set; } = true;
}
