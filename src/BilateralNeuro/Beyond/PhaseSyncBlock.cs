using BilateralNeuro.Core;
using BilateralNeuro.Synchrony;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond;

/// <summary>What a <see cref="PhaseSyncBlock"/> gives: the map for the next stage and the oscillators' state.</summary>
/// <param name="Output">x + |mix(a·e^{iθ})| (N, C, H, W), the input of the next stage.</param>
/// <param name="Phase">Final phases θ (N, C, H, W), radians.</param>
/// <param name="Amplitude">Oscillator amplitudes a = ReLU(x) (N, C, H, W).</param>
public sealed record PhaseSyncResult(Tensor Output, Tensor Phase, Tensor Amplitude);

/// <summary>
/// Kuramoto synchrony inside a hemisphere (KomplexNet's mechanism on an intermediate feature map x of a real network):
/// the amplitudes a = ReLU(x) drive oscillators (b = tanh a) coupled by a learned local kernel
/// (<see cref="KuramotoSyncLayer"/>); after T Euler steps the phases θ form z = a·e^{iθ}, a
/// <see cref="ComplexConv2d"/> mixes z and its magnitude is added to x: <c>output = x + |mix(z)|</c>. Units with
/// aligned phases add constructively in the mix, so the phases change what the next stage sees, and the gradient
/// reaches the coupling kernel; the residual x keeps an untrained block from destroying the hemisphere.
/// <para>
/// Initial phases: a fixed pseudo-random pattern P(c, h, w) (seeded by <see cref="PhaseSyncOptions.PatternSeed"/>)
/// rotated by a random angle r_n per sample. The dynamics only depend on phase differences and |mix(z)| is invariant
/// to a global rotation, so the output is a deterministic function of x, while the absolute phases carry no
/// information about the image: two uncoupled hemispheres have independent global phases (coherence ≈ 0), and only an
/// inter-hemisphere phase coupling (<see cref="RunCoupled"/>) can lock them.
/// </para>
/// state_dict keys: <c>kuramoto.kernel</c>, <c>mix.conv.weight</c> (no bias), <c>mix.norm.weight</c>, <c>mix.norm.bias</c>.
/// </summary>
public sealed class PhaseSyncBlock : nn.Module<Tensor, Tensor>
{
    private readonly KuramotoSyncLayer kuramoto;
    private readonly ComplexConv2d mix;

    /// <summary>Creates the block over <paramref name="channels"/> channels.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid.</exception>
    public PhaseSyncBlock(int channels, PhaseSyncOptions options) : base(nameof(PhaseSyncBlock))
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(options, new PhaseSyncOptionsValidator());
        Options = options.Clone();
        Channels = channels;
        kuramoto = new KuramotoSyncLayer(Options.Kuramoto(channels));
        mix = new ComplexConv2d(channels, channels, Options.MixKernel, bias: false);   // a bias would break the rotation invariance
        RegisterComponents();
    }

    /// <summary>The options (a copy).</summary>
    public PhaseSyncOptions Options { get; }
    /// <summary>Channels of the synchronised map.</summary>
    public int Channels { get; }
    /// <summary>The oscillators.</summary>
    public KuramotoSyncLayer Oscillators => kuramoto;
    /// <summary>The complex mixing convolution.</summary>
    public ComplexConv2d Mix => mix;

    /// <summary>Initial phases: the fixed pattern P(c, h, w) plus a uniform random rotation per sample, wrapped to [−π, π).</summary>
    public Tensor InitialPhases(Tensor amplitude, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var shape = amplitude.shape;
        var pattern = torch.rand([shape[1], shape[2], shape[3]], generator: new Generator((ulong)StableSeed.Of(Options.PatternSeed, 7717)));
        var rotation = torch.rand([shape[0], 1, 1, 1], generator: generator);
        var theta = ((pattern.unsqueeze(0) + rotation) * (2 * Math.PI)).remainder(2 * Math.PI) - Math.PI;
        return theta.to(amplitude.device).MoveToOuterDisposeScope();
    }

    /// <summary>Amplitude-weighted mean phasor per sample: (Re, Im) of Σ b·e^{iθ} / Σ b, each (N, 1, 1, 1).</summary>
    public static (Tensor Re, Tensor Im) MeanPhasor(Tensor b, Tensor theta)
    {
        var total = b.sum([1, 2, 3], keepdim: true).clamp_min(1e-6);
        return ((b * theta.cos()).sum([1, 2, 3], keepdim: true) / total, (b * theta.sin()).sum([1, 2, 3], keepdim: true) / total);
    }

    /// <summary>Runs the block alone (no inter-hemisphere coupling); <paramref name="generator"/> draws the per-sample rotations.</summary>
    public PhaseSyncResult Run(Tensor x, Generator? generator = null)
    {
        Guard.ImageBatch(x, Channels, nameof(PhaseSyncBlock), "x");
        using var scope = NewDisposeScope();
        var a = nn.functional.relu(x);
        var b = a.tanh();
        var plan = kuramoto.Plan(a.shape[2], a.shape[3]);
        var theta = InitialPhases(a, generator);
        for (int t = 0; t < Options.Steps; t++) theta = kuramoto.Step(b, theta, plan);
        return Finish(x, a, theta);
    }

    /// <summary>
    /// Runs two blocks (the two hemispheres) in lockstep with a callosal phase coupling of strength κ: every Euler
    /// step adds κ·R'·sin(ψ' − θ_i) to each oscillator's velocity, where R'·e^{iψ'} is the <b>other</b> hemisphere's
    /// amplitude-weighted mean phasor (<see cref="MeanPhasor"/>) at the start of the step. The maps may differ in
    /// channels and resolution; a block with fewer steps stops early. κ = 0 equals two independent <see cref="Run"/>s.
    /// </summary>
    /// <remarks>
    /// The relative rotation of the two hemispheres' initial phases is random per sample, so with κ &gt; 0 the output
    /// depends on it (as KomplexNet's on its random initial phases); pass a seeded <paramref name="generator"/> for
    /// repeatable outputs. Explicit Euler: keep η·κ well below 1, or the two mean phases overshoot each other and
    /// oscillate instead of locking.
    /// </remarks>
    public static (PhaseSyncResult Left, PhaseSyncResult Right) RunCoupled(PhaseSyncBlock left, Tensor xl, PhaseSyncBlock right, Tensor xr, double kappa, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (!double.IsFinite(kappa) || kappa < 0) throw new ArgumentOutOfRangeException(nameof(kappa), kappa, "PhaseSyncBlock: the phase coupling must be a finite number >= 0.");
        Guard.ImageBatch(xl, left.Channels, nameof(PhaseSyncBlock), "left map");
        Guard.ImageBatch(xr, right.Channels, nameof(PhaseSyncBlock), "right map");
        if (xl.shape[0] != xr.shape[0]) throw new ArgumentException($"PhaseSyncBlock: the two maps must have the same batch size (got {xl.shape[0]} and {xr.shape[0]}).", nameof(xr));
        using var scope = NewDisposeScope();
        var al = nn.functional.relu(xl);
        var ar = nn.functional.relu(xr);
        var bl = al.tanh();
        var br = ar.tanh();
        var pl = left.kuramoto.Plan(al.shape[2], al.shape[3]);
        var pr = right.kuramoto.Plan(ar.shape[2], ar.shape[3]);
        var tl = left.InitialPhases(al, generator);
        var tr = right.InitialPhases(ar, generator);
        for (int t = 0; t < Math.Max(left.Options.Steps, right.Options.Steps); t++)
        {
            var (lre, lim) = MeanPhasor(bl, tl);
            var (rre, rim) = MeanPhasor(br, tr);
            // κ·R'·sin(ψ' − θ) = κ·(Im Z'·cos θ − Re Z'·sin θ)
            if (t < left.Options.Steps)
                tl = tl + left.Options.StepSize * (left.kuramoto.Velocity(bl, tl, pl) + kappa * (rim * tl.cos() - rre * tl.sin()));
            if (t < right.Options.Steps)
                tr = tr + right.Options.StepSize * (right.kuramoto.Velocity(br, tr, pr) + kappa * (lim * tr.cos() - lre * tr.sin()));
        }
        var l = left.Finish(xl, al, tl);
        var r = right.Finish(xr, ar, tr);
        return (l, r);
    }

    /// <summary>The block's output map (see <see cref="Run"/>).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Run(x).Output.MoveToOuterDisposeScope();
    }

    private PhaseSyncResult Finish(Tensor x, Tensor a, Tensor theta)
    {
        var m = mix.call(new ComplexActivation(a, theta)).Magnitude;
        return new PhaseSyncResult((x + m).MoveToOuterDisposeScope(), theta.MoveToOuterDisposeScope(), a.MoveToOuterDisposeScope());
    }
}
