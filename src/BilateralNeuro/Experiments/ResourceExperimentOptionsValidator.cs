using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Experiments;

/// <summary>Validates <see cref="ResourceExperimentOptions"/>, listing every problem (the lattice and training options under <c>Lattice.</c> and <c>Training.</c>).</summary>
public sealed class ResourceExperimentOptionsValidator : IValidateOptions<ResourceExperimentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ResourceExperimentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.BatchSize < 1) e.AddError($"BatchSize must be at least 1 (got {o.BatchSize}).");
        if (o.TrainCount < 1) e.AddError($"TrainCount must be at least 1 (got {o.TrainCount}).");
        else if (o.BatchSize >= 1 && o.TrainCount < o.BatchSize) e.AddError($"TrainCount must hold at least one batch of BatchSize = {o.BatchSize} images (got {o.TrainCount}).");
        if (o.TestCount < 10) e.AddError($"TestCount must be at least 10 (got {o.TestCount}).");
        if (o.Lattice is null) e.AddError("Lattice must not be null.");
        else e.AddResult(new LatticeOptionsValidator().Validate(null, o.Lattice), "Lattice.");
        if (o.Training is null) e.AddError("Training must not be null.");
        else e.AddResult(new ResourceTrainerOptionsValidator().Validate(null, o.Training), "Training.");
        if (o.Grid is null) e.AddError("Grid must not be null (it may be empty).");
        else foreach (var p in o.Grid) CheckPressure(e, "Grid", p);
        CheckPressure(e, nameof(o.Moderate), o.Moderate);
        CheckPressure(e, nameof(o.OcclusionPressure), o.OcclusionPressure);
        if (o.Classes is null || o.Classes.Any(k => k is < 2 or > 10)) e.AddError($"Classes: every class count must lie in [2, 10] (got [{string.Join(", ", o.Classes ?? [])}]).");
        if (o.Clutter is null || o.Clutter.Any(c => c < 0)) e.AddError($"Clutter: every fragment count must be >= 0 (got [{string.Join(", ", o.Clutter ?? [])}]).");
        if (!Enum.IsDefined(o.Occluder)) e.AddError($"Occluder {(int)o.Occluder} is not a known occluder.");
        if (!(o.MaxTrainOcclusion >= 0 && o.MaxTrainOcclusion < 1)) e.AddError($"MaxTrainOcclusion must lie in [0, 1) (got {o.MaxTrainOcclusion}).");
        if (o.OcclusionLevels is null || o.OcclusionLevels.Any(v => !(v >= 0 && v < 1)))
            e.AddError($"OcclusionLevels: every level must lie in [0, 1) (got [{string.Join(", ", o.OcclusionLevels ?? [])}]).");
        if (o.BenchmarkRepeats < 1) e.AddError($"BenchmarkRepeats must be at least 1 (got {o.BenchmarkRepeats}).");
        if (o.ReactionTimes is { } rt && string.IsNullOrWhiteSpace(rt)) e.AddError("ReactionTimes must be a file path or null.");
        return e.Build();
    }

    private static void CheckPressure(ValidateOptionsResultBuilder e, string what, Pressure? p)
    {
        if (p is null) { e.AddError($"{what}: a pressure must not be null."); return; }
        foreach (var (v, n) in new[] { (p.Breadth, "breadth"), (p.Depth, "depth"), (p.Time, "time") })
            if (!(v >= 0) || double.IsInfinity(v)) e.AddError($"{what}: {n} pressure must be a finite number >= 0 (got {p}).");
    }
}
