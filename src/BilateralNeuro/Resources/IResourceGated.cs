using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Resources;

/// <summary>
/// A module whose size is made differentiable by non-negative gates, so a <see cref="ResourceCostPenalty"/> can price
/// it: a gate per channel of each layer (breadth), a gate per layer (depth) and, when it computes over time, a
/// distribution over steps (time). Any module can implement it (a lattice, a hemisphere, a plain CNN with gated
/// channels).
/// </summary>
public interface IResourceGated
{
    /// <summary>Non-negative breadth gates, one 1-D tensor (channels of that layer) per layer; differentiable.</summary>
    IReadOnlyList<Tensor> BreadthGates();

    /// <summary>Non-negative depth gates (layers); differentiable.</summary>
    Tensor DepthGates();

    /// <summary>
    /// The distribution over steps (N, T) for the batch that produced <paramref name="outputs"/>, each row summing to
    /// one; null for a module without a time dimension.
    /// </summary>
    Tensor? TimeDistribution(IReadOnlyDictionary<string, Tensor> outputs);
}
