using BilateralNeuro.Core;

namespace BilateralNeuro.Experiments;

/// <summary>
/// The resource-cost trade-off sweep: one lattice network per pressure setting of
/// <see cref="ResourceExperimentOptions.Grid"/>, trained on the occluded task (seed <see cref="ResourceExperimentOptions.Seed"/>),
/// reporting accuracy against effective breadth, depth and time. Code shared with <see cref="OcclusionTimeExperiment"/>
/// lives in <see cref="ResourceExperiments"/>.
/// </summary>
public sealed class ResourceTradeOffExperiment : IExperiment<ResourceExperimentOptions, TradeOffResult>
{
    /// <summary>Creates the experiment; options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public ResourceTradeOffExperiment(ResourceExperimentOptions options) =>
        Options = OptionsValidation.ThrowIfInvalid(options ?? throw new ArgumentNullException(nameof(options)), new ResourceExperimentOptionsValidator());

    /// <inheritdoc />
    public ResourceExperimentOptions Options { get; }

    /// <summary>
    /// Trains one network per grid point on <see cref="ExperimentData.Train"/> and scores it on <see cref="ExperimentData.Test"/>
    /// (both sampled and occluded as the options say). The journal keeps every finished grid point.
    /// </summary>
    public TradeOffResult Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var train = context.Data.RequireTrain(nameof(ResourceTradeOffExperiment));
        var test = context.Data.RequireTest(nameof(ResourceTradeOffExperiment));
        return new TradeOffResult(Options.Seed, new ResourceExperiments(Options, context).TradeOff(train, test));
    }
}

/// <summary>
/// Time under occlusion: one halting lattice network trained at <see cref="ResourceExperimentOptions.OcclusionPressure"/>
/// on mixed occlusion, its expected steps at each test occlusion level, the Spearman correlations with the occluded
/// fraction, difficulty and (optionally) human reaction times, and the inference benchmark. Code shared with
/// <see cref="ResourceTradeOffExperiment"/> lives in <see cref="ResourceExperiments"/>.
/// </summary>
public sealed class OcclusionTimeExperiment : IExperiment<ResourceExperimentOptions, OcclusionTimeResult>
{
    /// <summary>Creates the experiment; options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public OcclusionTimeExperiment(ResourceExperimentOptions options) =>
        Options = OptionsValidation.ThrowIfInvalid(options ?? throw new ArgumentNullException(nameof(options)), new ResourceExperimentOptionsValidator());

    /// <inheritdoc />
    public ResourceExperimentOptions Options { get; }

    /// <summary>
    /// Trains on <see cref="ExperimentData.Train"/>, measures on <see cref="ExperimentData.Test"/>. The journal keeps the
    /// finished result (unit <c>"seed {Seed} occlusion"</c>).
    /// </summary>
    public OcclusionTimeResult Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var train = context.Data.RequireTrain(nameof(OcclusionTimeExperiment));
        var test = context.Data.RequireTest(nameof(OcclusionTimeExperiment));
        return new ResourceExperiments(Options, context).OcclusionTime(train, test) with { Seed = Options.Seed };
    }
}
