using BilateralNeuro.Core;
using BilateralNeuro.Synchrony;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Beyond;

/// <summary>
/// Options of a <see cref="PhaseSyncBlock"/> placed after one stage of a hemisphere. The oscillator dynamics use the
/// <see cref="KuramotoOptions"/> defaults of KomplexNet (ε 0.202, η 0.006) with a smaller kernel and fewer steps, since
/// the block sits on a small intermediate map (e.g. 32 channels at 7×7 after the ResNet-9's second stage).
/// </summary>
public sealed class PhaseSyncOptions
{
    /// <summary>The stage whose output map is synchronised (0-based).</summary>
    public int AfterStage { get; set; } = 1;
    /// <summary>Kuramoto Euler steps T.</summary>
    public int Steps { get; set; } = 3;
    /// <summary>Odd spatial size of the learned coupling kernel K.</summary>
    public int KernelSize { get; set; } = 5;
    /// <summary>Odd spatial size of the complex convolution that mixes z = a·e^{iθ}.</summary>
    public int MixKernel { get; set; } = 3;
    /// <summary>Global desynchronising coupling ε.</summary>
    public double Epsilon { get; set; } = 0.202;
    /// <summary>Euler step η.</summary>
    public double StepSize { get; set; } = 0.006;
    /// <summary>Seed of the fixed initial phase pattern (each hemisphere should use its own).</summary>
    public int PatternSeed { get; set; } = 1;

    /// <summary>A copy.</summary>
    public PhaseSyncOptions Clone() => (PhaseSyncOptions)MemberwiseClone();

    /// <summary>The Kuramoto options of a block over <paramref name="channels"/> channels.</summary>
    public KuramotoOptions Kuramoto(int channels) => new()
    {
        Channels = channels, KernelSize = KernelSize, Steps = Steps, Epsilon = Epsilon, StepSize = StepSize,
        InitialPhases = InitialPhasePolicy.Uniform,
    };
}

/// <summary>Validates <see cref="PhaseSyncOptions"/>, listing every problem.</summary>
public sealed class PhaseSyncOptionsValidator : IValidateOptions<PhaseSyncOptions>
{
    private readonly int? stages;

    /// <summary>A validator that does not know the hemisphere's stage count (only <c>AfterStage &gt;= 0</c> is checked).</summary>
    public PhaseSyncOptionsValidator() { }

    /// <summary>A validator for a hemisphere of <paramref name="stages"/> stages, which bounds <see cref="PhaseSyncOptions.AfterStage"/>.</summary>
    public PhaseSyncOptionsValidator(int? stages) => this.stages = stages;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PhaseSyncOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.AfterStage < 0 || (stages is { } s && o.AfterStage >= s))
            e.AddError($"Synchronize: afterStage must lie in [0, {(stages is { } n ? (n - 1).ToString() : "stages - 1")}] (got {o.AfterStage}).");
        if (o.MixKernel < 1 || o.MixKernel % 2 == 0) e.AddError($"Synchronize: mixKernel must be a positive odd number (got {o.MixKernel}).");
        e.AddResult(new KuramotoOptionsValidator().Validate(null, o.Kuramoto(1)), "Synchronize: ");
        return e.Build();
    }
}
