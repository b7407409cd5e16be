using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Resources;

/// <summary>How the cost of one more unit (channel or layer) grows with its rank.</summary>
public enum RankWeighting
{
    /// <summary>w(r) = 1: a plain L1 cost, no preference for few units.</summary>
    Uniform,
    /// <summary>w(r) = (r + 1) / n: the k-th unit costs k times the first (default).</summary>
    Linear,
    /// <summary>w(r) = ((r + 1) / n)^2: extra units get expensive fast.</summary>
    Quadratic,
}

/// <summary>Pressures and weighting of a <see cref="ResourceCostPenalty"/>.</summary>
public sealed class ResourceCostOptions
{
    /// <summary>Weight of the breadth cost (channels).</summary>
    public double BreadthPressure { get; set; } = 1e-3;
    /// <summary>Weight of the depth cost (layers).</summary>
    public double DepthPressure { get; set; } = 1e-3;
    /// <summary>Weight of the time cost (expected steps).</summary>
    public double TimePressure { get; set; } = 1e-2;
    /// <summary>Weighting of channels by their rank within a layer (rank 0 = largest gate = cheapest).</summary>
    public RankWeighting BreadthWeighting { get; set; } = RankWeighting.Linear;
    /// <summary>Weighting of layers by their index (layer 0 cheapest).</summary>
    public RankWeighting DepthWeighting { get; set; } = RankWeighting.Linear;
    /// <summary>Gates above this value count as active in reports and survive compaction.</summary>
    public double ActiveThreshold { get; set; } = 1e-3;
}

/// <summary>Validates <see cref="ResourceCostOptions"/>.</summary>
public sealed class ResourceCostOptionsValidator : IValidateOptions<ResourceCostOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ResourceCostOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new ValidateOptionsResultBuilder();
        void NonNegative(double v, string n) { if (!(v >= 0) || double.IsInfinity(v)) errors.AddError($"{n} must be a finite number >= 0 (got {v})."); }
        NonNegative(o.BreadthPressure, nameof(o.BreadthPressure));
        NonNegative(o.DepthPressure, nameof(o.DepthPressure));
        NonNegative(o.TimePressure, nameof(o.TimePressure));
        if (!Enum.IsDefined(o.BreadthWeighting)) errors.AddError($"BreadthWeighting is unknown (got {o.BreadthWeighting}).");
        if (!Enum.IsDefined(o.DepthWeighting)) errors.AddError($"DepthWeighting is unknown (got {o.DepthWeighting}).");
        if (!(o.ActiveThreshold >= 0) || double.IsInfinity(o.ActiveThreshold)) errors.AddError($"ActiveThreshold must be a finite number >= 0 (got {o.ActiveThreshold}).");
        return errors.Build();
    }
}
