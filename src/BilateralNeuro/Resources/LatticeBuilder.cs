using BilateralNeuro.Core;
namespace BilateralNeuro.Resources;

/// <summary>
/// Fluent construction of a <see cref="LatticeNetwork"/>, started by <see cref="LatticeNetwork.Create"/>:
/// <c>LatticeNetwork.Create().MaxLayers(6).MaxChannels(64).MaxSteps(8).Build()</c>. Everything is validated once at
/// <see cref="Build"/>.
/// </summary>
public sealed class LatticeBuilder
{
    private readonly LatticeOptions options = new();

    /// <summary>Image channels.</summary>
    public LatticeBuilder InputChannels(int channels) { options.InputChannels = channels; return this; }
    /// <summary>Number of classes.</summary>
    public LatticeBuilder Classes(int classes) { options.Classes = classes; return this; }
    /// <summary>Maximum layers L.</summary>
    public LatticeBuilder MaxLayers(int layers) { options.MaxLayers = layers; return this; }
    /// <summary>Maximum channels C per layer.</summary>
    public LatticeBuilder MaxChannels(int channels) { options.MaxChannels = channels; return this; }
    /// <summary>Maximum steps T.</summary>
    public LatticeBuilder MaxSteps(int steps) { options.MaxSteps = steps; return this; }
    /// <summary>Connection pattern.</summary>
    public LatticeBuilder Connections(Connections connections) { options.Connections = connections; return this; }
    /// <summary>Input-dependent halting (default) or a learned fixed mixing over steps.</summary>
    public LatticeBuilder Time(TimeMode mode) { options.Time = mode; return this; }
    /// <summary>Pooling schedule: halve the resolution before every this many layers (0 = never).</summary>
    public LatticeBuilder PoolEvery(int layers) { options.PoolEvery = layers; return this; }
    /// <summary>Average-pool the input by this factor first.</summary>
    public LatticeBuilder InputPool(int factor) { options.InputPool = factor; return this; }
    /// <summary>Batch norm per layer and step (true) or a per-channel bias (false).</summary>
    public LatticeBuilder BatchNorm(bool enabled) { options.BatchNorm = enabled; return this; }
    /// <summary>Cumulative halting probability at which adaptive inference stops an input.</summary>
    public LatticeBuilder HaltThreshold(double threshold) { options.HaltThreshold = threshold; return this; }
    /// <summary>Resource pressures; null keeps the current value.</summary>
    public LatticeBuilder Pressure(double? breadth = null, double? depth = null, double? time = null)
    {
        if (breadth is { } b) options.Cost.BreadthPressure = b;
        if (depth is { } d) options.Cost.DepthPressure = d;
        if (time is { } t) options.Cost.TimePressure = t;
        return this;
    }
    /// <summary>Rank weighting of channels and layers.</summary>
    public LatticeBuilder Weighting(RankWeighting breadth, RankWeighting depth)
    {
        options.Cost.BreadthWeighting = breadth;
        options.Cost.DepthWeighting = depth;
        return this;
    }
    /// <summary>Gate value above which a channel or layer counts as active.</summary>
    public LatticeBuilder ActiveThreshold(double threshold) { options.Cost.ActiveThreshold = threshold; return this; }
    /// <summary>Applies any other change to the options.</summary>
    public LatticeBuilder Configure(Action<LatticeOptions> configure) { ArgumentNullException.ThrowIfNull(configure); configure(options); return this; }

    /// <summary>The options as configured so far (not yet validated).</summary>
    public LatticeOptions Options => options;

    /// <summary>Validates the options and creates the network.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public LatticeNetwork Build() => new(OptionsValidation.ThrowIfInvalid(options, new LatticeOptionsValidator()));

    /// <summary>Validates and creates the network together with its <see cref="ResourceCostPenalty"/>.</summary>
    public (LatticeNetwork Network, ResourceCostPenalty Penalty) BuildWithPenalty()
    {
        var net = Build();
        return (net, new ResourceCostPenalty(options.Cost));
    }
}
