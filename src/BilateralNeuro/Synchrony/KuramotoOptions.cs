using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Synchrony;

/// <summary>How the local coupling Σ_j K_ij b_j e^{iθ_j} is computed. All paths give the same numbers (tested).</summary>
public enum CouplingPath
{
    /// <summary>Pick by an operation-count model of kernel and map size (<see cref="KuramotoSyncLayer.ChoosePath"/>).</summary>
    Auto,
    /// <summary>Two conv2d calls, one for b·cos θ and one for b·sin θ (the reference formulation).</summary>
    Direct,
    /// <summary>One conv2d call over b·cos θ and b·sin θ stacked on the batch axis.</summary>
    Batched,
    /// <summary>FFT convolution (rfft2 / irfft2, zero-padded so it equals the "same" linear convolution), cos and sin stacked.</summary>
    Fft,
    /// <summary>
    /// FFT convolution of the complex field b·cos θ + i·b·sin θ: one complex transform per step instead of two real
    /// ones (the kernel is real, so the real and imaginary parts of one correlation are the two coupling terms).
    /// </summary>
    ComplexFft,
}

/// <summary>Initial oscillator phases.</summary>
public enum InitialPhasePolicy
{
    /// <summary>Independent uniform phases in [−π, π) (the reference).</summary>
    Uniform,
    /// <summary>All phases 0 (fully synchronised start; for analysis).</summary>
    Zero,
}

/// <summary>Options of <see cref="KuramotoSyncLayer"/>; defaults are the reference values of KomplexNet.</summary>
public sealed class KuramotoOptions
{
    /// <summary>Oscillator channels (feature maps) coupled channel-to-channel.</summary>
    public int Channels { get; set; } = 8;
    /// <summary>Odd spatial size of the local coupling kernel K (13).</summary>
    public int KernelSize { get; set; } = 13;
    /// <summary>Global desynchronising coupling ε (0.202).</summary>
    public double Epsilon { get; set; } = 0.202;
    /// <summary>Euler step η (0.006); 0 = no dynamics (a control: the phases keep their initial values).</summary>
    public double StepSize { get; set; } = 0.006;
    /// <summary>Number of Euler steps T (15).</summary>
    public int Steps { get; set; } = 15;
    /// <summary>Whether K is trained.</summary>
    public bool LearnableKernel { get; set; } = true;
    /// <summary>Initial phases.</summary>
    public InitialPhasePolicy InitialPhases { get; set; } = InitialPhasePolicy.Uniform;
    /// <summary>Std of the Gaussian profile of K over a [−1, 1]² grid (3: nearly flat).</summary>
    public double KernelInitStd { get; set; } = 3.0;
    /// <summary>Coupling computation path.</summary>
    public CouplingPath Coupling { get; set; } = CouplingPath.Auto;

    /// <summary>A copy.</summary>
    public KuramotoOptions Clone() => (KuramotoOptions)MemberwiseClone();
}

/// <summary>Validates <see cref="KuramotoOptions"/>, listing every problem.</summary>
public sealed class KuramotoOptionsValidator : IValidateOptions<KuramotoOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KuramotoOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.Channels < 1) e.AddError($"Channels must be at least 1 (got {o.Channels}).");
        if (o.KernelSize < 1 || o.KernelSize % 2 == 0) e.AddError($"KernelSize must be a positive odd number (got {o.KernelSize}).");
        if (!double.IsFinite(o.Epsilon) || o.Epsilon < 0) e.AddError($"Epsilon must be a finite number >= 0 (got {o.Epsilon}).");
        if (!double.IsFinite(o.StepSize) || o.StepSize < 0) e.AddError($"StepSize must be a finite number >= 0 (got {o.StepSize}).");
        if (o.Steps < 1) e.AddError($"Steps must be at least 1 (got {o.Steps}).");
        if (!double.IsFinite(o.KernelInitStd) || o.KernelInitStd <= 0) e.AddError($"KernelInitStd must be positive (got {o.KernelInitStd}).");
        if (!Enum.IsDefined(o.Coupling)) e.AddError($"Coupling {o.Coupling} is not a known path.");
        if (!Enum.IsDefined(o.InitialPhases)) e.AddError($"InitialPhases {o.InitialPhases} is not a known policy.");
        return e.Build();
    }

    /// <summary>
    /// Throws <see cref="OptionsValidationException"/> listing every problem (forwards to
    /// <see cref="OptionsValidation.ThrowIfInvalid{TOptions}"/>; kept for <c>KuramotoSyncLayer</c>).
    /// </summary>
    public static KuramotoOptions Check(KuramotoOptions options) => OptionsValidation.ThrowIfInvalid(options, new KuramotoOptionsValidator());
}

/// <summary>Fluent configuration of a <see cref="KuramotoOptions"/> (validated when the owner is built).</summary>
public sealed class KuramotoBuilder
{
    internal KuramotoOptions Options { get; } = new();

    /// <summary>Spatial kernel size (odd).</summary>
    public KuramotoBuilder Kernel(int size) { Options.KernelSize = size; return this; }
    /// <summary>Euler steps T.</summary>
    public KuramotoBuilder Steps(int steps) { Options.Steps = steps; return this; }
    /// <summary>Global desynchronising coupling ε.</summary>
    public KuramotoBuilder Epsilon(double epsilon) { Options.Epsilon = epsilon; return this; }
    /// <summary>Euler step η.</summary>
    public KuramotoBuilder StepSize(double eta) { Options.StepSize = eta; return this; }
    /// <summary>Freezes K at its initial Gaussian profile.</summary>
    public KuramotoBuilder FrozenKernel() { Options.LearnableKernel = false; return this; }
    /// <summary>Initial-phase policy.</summary>
    public KuramotoBuilder InitialPhases(InitialPhasePolicy policy) { Options.InitialPhases = policy; return this; }
    /// <summary>Forces a coupling path (default: automatic).</summary>
    public KuramotoBuilder Coupling(CouplingPath path) { Options.Coupling = path; return this; }
    /// <summary>Std of the Gaussian initial profile of K.</summary>
    public KuramotoBuilder KernelInitStd(double std) { Options.KernelInitStd = std; return this; }

    /// <summary>
    /// Validates and returns the <b>options</b> (a copy), not a layer: pass them to
    /// <c>new KuramotoSyncLayer(options)</c> (set <see cref="KuramotoOptions.Channels"/> first when it is not the
    /// default 8) or to a model builder that takes Kuramoto options.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid; every problem is listed.</exception>
    public KuramotoOptions Build() => OptionsValidation.ThrowIfInvalid(Options.Clone(), new KuramotoOptionsValidator());
}
