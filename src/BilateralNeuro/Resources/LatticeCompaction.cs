using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Resources;

/// <summary>
/// Exports a smaller plain <see cref="LatticeNetwork"/>: layers whose depth gate (or every breadth gate) is at or
/// below the threshold are removed, and so are channels whose breadth gate is. Weights are sliced (convolutions,
/// per-step batch norms with their running statistics, readout and halting columns); the surviving gate values are
/// copied as fixed per-channel scales. A layer whose neighbour was removed simply loses that connection, which is
/// exact because a gated-off layer outputs zeros and the convolutions have no bias.
/// </summary>
public static class LatticeCompaction
{
    /// <summary>Compacts <paramref name="source"/>; see the class summary.</summary>
    /// <exception cref="InvalidOperationException">No layer survives the threshold.</exception>
    public static LatticeNetwork Compact(LatticeNetwork source, double threshold = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(threshold >= 0)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "LatticeCompaction: threshold must be >= 0.");
        using var grad = no_grad();
        var spec = source.Spec;
        var scope = NewDisposeScope();
        var depth = F.relu(source.RawDepthGate).cpu();
        var keptChannels = new List<long[]>();
        var keptLayers = new List<int>();
        for (int l = 0; l < spec.Layers; l++)
        {
            var g = F.relu(source.Layer(l).Gate).cpu();
            var idx = g.gt(threshold).nonzero().flatten().data<long>().ToArray();
            keptChannels.Add(idx);
            if (depth[l].item<float>() > threshold && idx.Length > 0) keptLayers.Add(l);
        }
        if (keptLayers.Count == 0)
            throw new InvalidOperationException($"LatticeCompaction: every layer is gated off at threshold {threshold}; nothing to export.");

        int k = keptLayers.Count;
        var below = new BelowSource[k];
        var fromAbove = new bool[k];
        for (int i = 0; i < k; i++)
        {
            int l = keptLayers[i];
            below[i] = l == 0 ? BelowSource.Input : i > 0 && keptLayers[i - 1] == l - 1 ? BelowSource.Previous : BelowSource.None;
            fromAbove[i] = spec.FromAbove[l] && i + 1 < k && keptLayers[i + 1] == l + 1;
        }
        var compactSpec = spec with
        {
            Channels = keptLayers.Select(l => keptChannels[l].Length).ToArray(),
            Pools = keptLayers.Select(l => spec.Pools[l]).ToArray(),
            Below = below,
            FromAbove = fromAbove,
            OriginalIndex = keptLayers.Select(l => spec.OriginalIndex[l]).ToArray(),
        };
        var device = source.Readout.weight!.device;
        scope.Dispose();
        // Modules must not be created inside a dispose scope (their parameters would be disposed with it).
        var target = new LatticeNetwork(compactSpec);
        target.to(device);
        using var copyScope = NewDisposeScope();

        var offsets = new int[spec.Layers];
        for (int l = 1; l < spec.Layers; l++) offsets[l] = offsets[l - 1] + spec.Channels[l - 1];
        var columns = keptLayers.SelectMany(l => keptChannels[l].Select(c => offsets[l] + c)).ToArray();
        var colIdx = tensor(columns, ScalarType.Int64).to(device);

        for (int i = 0; i < k; i++)
        {
            int l = keptLayers[i];
            var src = source.Layer(l);
            var dst = target.Layer(i);
            var outIdx = tensor(keptChannels[l], ScalarType.Int64).to(device);
            if (dst.BottomUp is not null)
            {
                var w = src.BottomUp!.weight!.index_select(0, outIdx);
                if (below[i] == BelowSource.Previous) w = w.index_select(1, tensor(keptChannels[l - 1], ScalarType.Int64).to(device));
                dst.BottomUp.weight!.copy_(w);
            }
            if (dst.Lateral is not null)
                dst.Lateral.weight!.copy_(src.Lateral!.weight!.index_select(0, outIdx).index_select(1, outIdx));
            if (dst.TopDown is not null)
                dst.TopDown.weight!.copy_(src.TopDown!.weight!.index_select(0, outIdx)
                    .index_select(1, tensor(keptChannels[l + 1], ScalarType.Int64).to(device)));
            if (dst.Norms is not null)
                for (int t = 0; t < spec.Steps; t++)
                {
                    var s = src.Norms![t];
                    var d = dst.Norms[t];
                    d.weight!.copy_(s.weight!.index_select(0, outIdx));
                    d.bias!.copy_(s.bias!.index_select(0, outIdx));
                    d.running_mean!.copy_(s.running_mean!.index_select(0, outIdx));
                    d.running_var!.copy_(s.running_var!.index_select(0, outIdx));
                    d.num_batches_tracked!.copy_(s.num_batches_tracked!);
                }
            else dst.Bias!.copy_(src.Bias!.index_select(0, outIdx));
            dst.Gate.copy_(F.relu(src.Gate).index_select(0, outIdx));
            target.RawDepthGate[i] = F.relu(source.RawDepthGate[l]);
        }
        target.Readout.weight!.copy_(source.Readout.weight!.index_select(1, colIdx));
        target.Readout.bias!.copy_(source.Readout.bias!);
        if (target.HaltingUnit is not null)
        {
            target.HaltingUnit.weight!.copy_(source.HaltingUnit!.weight!.index_select(1, colIdx));
            target.StepBias!.copy_(source.StepBias!);
        }
        if (target.TimeLogits is not null) target.TimeLogits.copy_(source.TimeLogits!);
        if (!source.training) target.eval();
        foreach (var p in target.parameters()) p.requires_grad = false;
        return target;
    }
}
