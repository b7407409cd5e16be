namespace BilateralNeuro.Resources;

/// <summary>Where a lattice layer's bottom-up drive comes from.</summary>
internal enum BelowSource
{
    /// <summary>No bottom-up drive (the layer below was compacted away).</summary>
    None,
    /// <summary>The (input-pooled) image.</summary>
    Input,
    /// <summary>The previous layer of this network at the current step.</summary>
    Previous,
}

/// <summary>The resolved structure of a lattice window (full or compacted).</summary>
internal sealed record LatticeSpec(
    int InputChannels, int Classes, int Steps, Connections Connections, TimeMode Time, int InputPool,
    int KernelSize, bool BatchNorm, double HaltThreshold, double InitialGate,
    int[] Channels, int[] Pools, BelowSource[] Below, bool[] FromAbove, int[] OriginalIndex)
{
    public int Layers => Channels.Length;

    public static LatticeSpec Full(LatticeOptions o)
    {
        int L = o.MaxLayers;
        var pools = new int[L];
        for (int l = 1; l < L; l++) pools[l] = pools[l - 1] + (o.PoolEvery > 0 && l % o.PoolEvery == 0 ? 1 : 0);
        return new LatticeSpec(o.InputChannels, o.Classes, o.MaxSteps, o.Connections, o.Time, o.InputPool, o.KernelSize,
            o.BatchNorm, o.HaltThreshold, o.InitialGate,
            Enumerable.Repeat(o.MaxChannels, L).ToArray(), pools,
            Enumerable.Range(0, L).Select(l => l == 0 ? BelowSource.Input : BelowSource.Previous).ToArray(),
            Enumerable.Range(0, L).Select(l => l < L - 1 && (o.Connections & Connections.TopDown) != 0).ToArray(),
            Enumerable.Range(0, L).ToArray());
    }
}
