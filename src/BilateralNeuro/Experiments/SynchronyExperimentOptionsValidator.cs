using BilateralNeuro.Core;
using BilateralNeuro.Synchrony.Training;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Experiments;

/// <summary>Validates <see cref="SynchronyExperimentOptions"/>, listing every problem (training options under <c>Training.</c>).</summary>
public sealed class SynchronyExperimentOptionsValidator : IValidateOptions<SynchronyExperimentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SynchronyExperimentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.TrainImages < 2) e.AddError($"TrainImages must be at least 2 (got {o.TrainImages}).");
        if (!(o.ValidationFraction > 0 && o.ValidationFraction < 1)) e.AddError($"ValidationFraction must lie in (0, 1) (got {o.ValidationFraction}).");
        if (o.TestImages < 1) e.AddError($"TestImages must be at least 1 (got {o.TestImages}).");
        if (o.Overlaps is null || o.Overlaps.Length == 0) e.AddError("Overlaps: at least one overlap level is required.");
        else if (o.Overlaps.Any(v => !(v >= 0 && v <= 1))) e.AddError($"Overlaps: every level must lie in [0, 1] (got [{string.Join(", ", o.Overlaps)}]).");
        if (o.Training is null) e.AddError("Training must not be null.");
        else e.AddResult(new SynchronyTrainingOptionsValidator().Validate(null, o.Training), "Training.");
        if (o.Steps < 1) e.AddError($"Steps must be at least 1 (got {o.Steps}).");
        if (o.KernelSize < 1 || o.KernelSize % 2 == 0) e.AddError($"KernelSize must be a positive odd number (got {o.KernelSize}).");
        if (o.MapSize < 8 || o.MapSize % 2 != 0) e.AddError($"MapSize must be an even number >= 8 (got {o.MapSize}).");
        if (!double.IsFinite(o.Epsilon) || o.Epsilon < 0) e.AddError($"Epsilon must be a finite number >= 0 (got {o.Epsilon}).");
        if (o.OnlySeeds is { } only && (only.Length == 0 || only.Any(v => v < 0 || v >= o.Seeds)))
            e.AddError($"OnlySeeds must list seeds in [0, {o.Seeds - 1}] (got [{string.Join(", ", only)}]).");
        if (o.Seeds < 1) e.AddError($"Seeds must be at least 1 (got {o.Seeds}).");
        if (o.Models is null || o.Models.Length == 0) e.AddError($"Models: at least one model is required ({string.Join(", ", Enum.GetNames<SynchronyModel>())}).");
        else
        {
            foreach (var m in o.Models.Where(m => !Enum.IsDefined(m))) e.AddError($"Models: {(int)m} is not a known model; expected {string.Join(", ", Enum.GetNames<SynchronyModel>())}.");
            if (o.Models.Distinct().Count() != o.Models.Length) e.AddError("Models: models must be distinct.");
        }
        if (!(o.NoiseVariance >= 0) || double.IsInfinity(o.NoiseVariance)) e.AddError($"NoiseVariance must be a finite number >= 0 (got {o.NoiseVariance}).");
        var (deg, lo, hi, shift) = o.Ood;
        if (!(deg >= 0 && deg <= 180) || !(lo > 0 && lo <= hi) || double.IsInfinity(hi) || !(shift >= 0 && shift < 1))
            e.AddError($"Ood: expected degrees in [0, 180], 0 < MinScale <= MaxScale (finite) and Shift in [0, 1) (got {o.Ood}).");
        if (o.PhaseMapDirectory is { } dir && string.IsNullOrWhiteSpace(dir)) e.AddError("PhaseMapDirectory must be a folder path or null.");
        return e.Build();
    }
}

/// <summary>Validates <see cref="SynchronyTrainingOptions"/>, listing every problem.</summary>
public sealed class SynchronyTrainingOptionsValidator : IValidateOptions<SynchronyTrainingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SynchronyTrainingOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.Epochs < 1) e.AddError($"Epochs must be at least 1 (got {o.Epochs}).");
        if (o.BatchSize < 1) e.AddError($"BatchSize must be at least 1 (got {o.BatchSize}).");
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate)) e.AddError($"LearningRate must be a positive finite number (got {o.LearningRate}).");
        if (!(o.GradientClip > 0)) e.AddError($"GradientClip must be positive (got {o.GradientClip}).");
        if (!(o.SynchronyWeight >= 0) || double.IsInfinity(o.SynchronyWeight)) e.AddError($"SynchronyWeight must be a finite number >= 0 (got {o.SynchronyWeight}).");
        if (o.KernelFirstEpochs < 0) e.AddError($"KernelFirstEpochs must be >= 0 (0 = end-to-end training; got {o.KernelFirstEpochs}).");
        return e.Build();
    }
}
