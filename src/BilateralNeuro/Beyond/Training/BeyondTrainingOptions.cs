using BilateralNeuro.Core;
using BilateralNeuro.Bilateral.Training;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Beyond.Training;

/// <summary>
/// Options of the <see cref="BeyondProtocol"/>: the bilateral protocol's stages, normalisation and seed
/// (<see cref="Bilateral"/>; stage 1 and stage 2 are used, stage 3 and end-to-end are not) plus the settings of gated
/// (lattice) hemispheres and of self-supervised objectives.
/// </summary>
public sealed class BeyondTrainingOptions
{
    /// <summary>Stages, normalisation, augmentation and seed (defaults: <see cref="BilateralTrainingOptions.Quick"/> with 3 epochs).</summary>
    public BilateralTrainingOptions Bilateral { get; set; } = BilateralTrainingOptions.Quick(epochs: 3);
    /// <summary>SGD learning rate of lattice gates (the <see cref="Resources.ResourceTrainerOptions"/> default; Adam collapses gates).</summary>
    public double GateLearningRate { get; set; } = 0.1;
    /// <summary>Momentum of the gate optimiser.</summary>
    public double GateMomentum { get; set; } = 0.9;
    /// <summary>Resource pressures ramp up linearly over this many epochs.</summary>
    public double PressureWarmupEpochs { get; set; } = 1;
    /// <summary>Batch-norm statistics recomputed over this many training batches after stage 1 (0 = off).</summary>
    public int RecalibrationBatches { get; set; } = 20;
    /// <summary>Loss weight of a self-supervised objective relative to a classification one.</summary>
    public double SelfSupervisedWeight { get; set; } = 1.0;
    /// <summary>Maximum translation of a contrastive view, as a fraction of the image (affine grid units / 2).</summary>
    public double ViewShift { get; set; } = 0.15;
    /// <summary>Std of the Gaussian noise added to a contrastive view (in normalised units).</summary>
    public double ViewNoise { get; set; } = 0.1;
    /// <summary>Maximum global gradient norm in stage 1 (null: no clipping).</summary>
    public double? GradientClipNorm { get; set; } = 5.0;

    /// <summary>A deep copy.</summary>
    public BeyondTrainingOptions Clone()
    {
        var c = (BeyondTrainingOptions)MemberwiseClone();
        c.Bilateral = Bilateral.Clone();
        return c;
    }
}

/// <summary>Validates <see cref="BeyondTrainingOptions"/>, listing every problem.</summary>
public sealed class BeyondTrainingOptionsValidator : IValidateOptions<BeyondTrainingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BeyondTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        var e = new ValidateOptionsResultBuilder();
        if (o.Bilateral is null) e.AddError("Bilateral must not be null.");
        else e.AddResult(new BilateralTrainingOptionsValidator().Validate(null, o.Bilateral), "");
        void Positive(double v, string n) { if (!(v > 0) || double.IsInfinity(v)) e.AddError($"{n} must be a positive finite number (got {v})."); }
        void NonNegative(double v, string n) { if (!(v >= 0) || double.IsInfinity(v)) e.AddError($"{n} must be a finite number >= 0 (got {v})."); }
        Positive(o.GateLearningRate, nameof(o.GateLearningRate));
        if (o.GateMomentum is < 0 or >= 1 || double.IsNaN(o.GateMomentum)) e.AddError($"GateMomentum must lie in [0, 1) (got {o.GateMomentum}).");
        NonNegative(o.PressureWarmupEpochs, nameof(o.PressureWarmupEpochs));
        if (o.RecalibrationBatches < 0) e.AddError($"RecalibrationBatches must be >= 0 (got {o.RecalibrationBatches}).");
        Positive(o.SelfSupervisedWeight, nameof(o.SelfSupervisedWeight));
        NonNegative(o.ViewShift, nameof(o.ViewShift));
        NonNegative(o.ViewNoise, nameof(o.ViewNoise));
        if (o.GradientClipNorm is { } c && !(c > 0)) e.AddError($"GradientClipNorm must be positive when set (got {c}).");
        return e.Build();
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static BeyondTrainingOptions Check(BeyondTrainingOptions options) =>
        OptionsValidation.ThrowIfInvalid(options, new BeyondTrainingOptionsValidator(), nameof(BeyondTrainingOptions));
}
