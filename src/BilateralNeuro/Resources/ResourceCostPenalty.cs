using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Resources;

/// <summary>The three cost terms (scalars, differentiable) and their pressure-weighted sum.</summary>
/// <param name="Breadth">sum over layers and channels of w(rank) * |gate|.</param>
/// <param name="Depth">sum over layers of w(layer index) * |gate|.</param>
/// <param name="Time">mean over the batch of the expected number of steps (zero without a time dimension).</param>
/// <param name="Total">BreadthPressure * Breadth + DepthPressure * Depth + TimePressure * Time.</param>
public sealed record ResourceCost(Tensor Breadth, Tensor Depth, Tensor Time, Tensor Total);

/// <summary>Effective size of a gated network.</summary>
/// <param name="ChannelsPerLayer">Active channels (gate above the threshold) of every layer; zero for inactive layers.</param>
/// <param name="Breadth">Active channels summed over active layers.</param>
/// <param name="Depth">Active layers (depth gate above the threshold and at least one active channel).</param>
/// <param name="Time">Mean expected steps per input (NaN when unknown).</param>
public sealed record ResourceReport(IReadOnlyList<int> ChannelsPerLayer, int Breadth, int Depth, double Time)
{
    /// <summary>Mean active channels per active layer.</summary>
    public double MeanWidth => Depth == 0 ? 0 : (double)Breadth / Depth;

    /// <summary>One readable line, e.g. <c>breadth 20 channels, depth 3 layers (channels per layer 8, 7, 5, 0), time 2.41 steps</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"breadth {Breadth} channels, depth {Depth} layers (channels per layer {string.Join(", ", ChannelsPerLayer)}), time {(double.IsNaN(Time) ? "unknown" : Time.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))} steps");
}

/// <summary>
/// Differentiable costs of breadth, depth and time for any <see cref="IResourceGated"/> module, each with its own
/// pressure. Breadth: within each layer the channels are ranked by gate size (rank 0 = largest) and channel of rank r
/// costs w(r) * |g|, w increasing, so an extra channel pays more than the ones already in use and the weakest
/// channels are pushed out first. Depth: layer l costs w(l) * |d_l|, deeper layers cost more. Time: the expected
/// number of steps sum_t t * p_t averaged over the batch.
/// </summary>
public sealed class ResourceCostPenalty
{
    /// <summary>Creates a penalty; the options are validated here.</summary>
    public ResourceCostPenalty(ResourceCostOptions? options = null)
    {
        Options = OptionsValidation.ThrowIfInvalid(options ?? new ResourceCostOptions(), new ResourceCostOptionsValidator());
    }

    /// <summary>Pressures and weighting.</summary>
    public ResourceCostOptions Options { get; }

    /// <summary>Weights w(r) for ranks 0..n-1 (increasing unless uniform).</summary>
    public static float[] Weights(RankWeighting weighting, int n) => Enumerable.Range(0, n).Select(r => weighting switch
    {
        RankWeighting.Uniform => 1f,
        RankWeighting.Linear => (r + 1f) / n,
        RankWeighting.Quadratic => (float)Math.Pow((r + 1.0) / n, 2),
        _ => throw new ArgumentOutOfRangeException(nameof(weighting), weighting, "Unknown rank weighting."),
    }).ToArray();

    /// <summary>The breadth cost of one layer's gates: sort descending, weight by rank.</summary>
    public static Tensor RankWeightedCost(Tensor gates, RankWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(gates);
        using var scope = NewDisposeScope();
        var sorted = gates.abs().sort(0, descending: true).Values;
        var w = tensor(Weights(weighting, (int)gates.shape[0]), dtype: gates.dtype, device: gates.device);
        return (sorted * w).sum().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The costs of <paramref name="model"/> for the batch that produced <paramref name="outputs"/> (used for the time
    /// distribution; pass null for a module without time).
    /// </summary>
    public ResourceCost Compute(IResourceGated model, IReadOnlyDictionary<string, Tensor>? outputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var gates = model.BreadthGates();
        var depthGates = model.DepthGates();
        var breadth = gates.Select(g => RankWeightedCost(g, Options.BreadthWeighting)).Aggregate((a, b) => a + b);
        var dw = tensor(Weights(Options.DepthWeighting, (int)depthGates.shape[0]), dtype: depthGates.dtype, device: depthGates.device);
        var depth = (depthGates.abs() * dw).sum();
        var p = outputs is null ? null : model.TimeDistribution(outputs);
        var time = p is null ? zeros_like(depth) : LatticeNetwork.ExpectedSteps(p).mean();
        var total = breadth * Options.BreadthPressure + depth * Options.DepthPressure + time * Options.TimePressure;
        return new ResourceCost(breadth.MoveToOuterDisposeScope(), depth.MoveToOuterDisposeScope(),
            time.MoveToOuterDisposeScope(), total.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Effective size: channels and layers whose gates exceed <see cref="ResourceCostOptions.ActiveThreshold"/> and
    /// the mean expected steps of the batch behind <paramref name="outputs"/> (NaN if null or without time).
    /// </summary>
    public ResourceReport Measure(IResourceGated model, IReadOnlyDictionary<string, Tensor>? outputs = null) =>
        Measure(model, outputs, Options.ActiveThreshold);

    /// <summary>Effective size at an explicit threshold.</summary>
    public static ResourceReport Measure(IResourceGated model, IReadOnlyDictionary<string, Tensor>? outputs, double threshold)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        var depth = model.DepthGates().cpu().data<float>().ToArray();
        var gates = model.BreadthGates();
        var perLayer = new int[gates.Count];
        int breadth = 0, layers = 0;
        for (int l = 0; l < gates.Count; l++)
        {
            int active = (int)gates[l].gt(threshold).sum().item<long>();
            if (depth[l] > threshold && active > 0) { perLayer[l] = active; breadth += active; layers++; }
        }
        var p = outputs is null ? null : model.TimeDistribution(outputs);
        double time = p is null ? double.NaN : LatticeNetwork.ExpectedSteps(p).mean().item<float>();
        return new ResourceReport(perLayer, breadth, layers, time);
    }
}
