using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Resources;

/// <summary>
/// Options of a <see cref="LatticeNetwork"/>: the window of the lattice (layers x channels x steps), its connections,
/// its time distribution and the resource pressures. Defaults follow the example (the paper's values are not
/// public): 6 layers, 64 channels, 8 steps, BLT, pressures 1e-3 / 1e-3 / 1e-2.
/// </summary>
public sealed class LatticeOptions
{
    /// <summary>Image channels.</summary>
    public int InputChannels { get; set; } = 1;
    /// <summary>Number of classes of the readout.</summary>
    public int Classes { get; set; } = 10;
    /// <summary>Maximum number of layers L.</summary>
    public int MaxLayers { get; set; } = 6;
    /// <summary>Maximum channels C per layer.</summary>
    public int MaxChannels { get; set; } = 64;
    /// <summary>Maximum number of recurrent steps T.</summary>
    public int MaxSteps { get; set; } = 8;
    /// <summary>Connection pattern (B, BL, BT, BLT).</summary>
    public Connections Connections { get; set; } = Connections.BLT;
    /// <summary>How the answer is distributed over steps.</summary>
    public TimeMode Time { get; set; } = TimeMode.Halting;
    /// <summary>Halve the resolution (2x2 max pooling) before every this many layers (layer 0 never); 0 = never.</summary>
    public int PoolEvery { get; set; } = 1;
    /// <summary>Average-pool the input by this factor first (1 = keep the resolution; 2 turns 28x28 into 14x14).</summary>
    public int InputPool { get; set; } = 1;
    /// <summary>Convolution kernel size (odd).</summary>
    public int KernelSize { get; set; } = 3;
    /// <summary>Batch normalisation per layer and step (per-channel, so compaction stays exact); else a per-channel bias.</summary>
    public bool BatchNorm { get; set; } = true;
    /// <summary>Initial value of every breadth and depth gate.</summary>
    public double InitialGate { get; set; } = 1.0;
    /// <summary>Adaptive inference halts an input once its cumulative halting probability reaches this value (0.5 = median step).</summary>
    public double HaltThreshold { get; set; } = 0.5;
    /// <summary>Resource pressures and cost weighting.</summary>
    public ResourceCostOptions Cost { get; set; } = new();
}

/// <summary>Validates <see cref="LatticeOptions"/> (including its <see cref="LatticeOptions.Cost"/>), listing every problem.</summary>
public sealed class LatticeOptionsValidator : IValidateOptions<LatticeOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LatticeOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new ValidateOptionsResultBuilder();
        if (o.InputChannels < 1) errors.AddError($"InputChannels must be at least 1 (got {o.InputChannels}).");
        if (o.Classes < 2) errors.AddError($"Classes must be at least 2 (got {o.Classes}).");
        if (o.MaxLayers < 1) errors.AddError($"MaxLayers must be at least 1 (got {o.MaxLayers}).");
        if (o.MaxChannels < 1) errors.AddError($"MaxChannels must be at least 1 (got {o.MaxChannels}).");
        if (o.MaxSteps < 1) errors.AddError($"MaxSteps must be at least 1 (got {o.MaxSteps}).");
        if ((o.Connections & Connections.BottomUp) == 0) errors.AddError($"Connections must include BottomUp (got {o.Connections}); without it the input never reaches the network.");
        if ((o.Connections & ~Connections.BLT) != 0) errors.AddError($"Connections has unknown flags (got {o.Connections}).");
        if (!Enum.IsDefined(o.Time)) errors.AddError($"Time must be Halting or FixedMixing (got {o.Time}).");
        if (o.PoolEvery < 0) errors.AddError($"PoolEvery must be >= 0 (got {o.PoolEvery}).");
        if (o.InputPool < 1) errors.AddError($"InputPool must be at least 1 (got {o.InputPool}).");
        if (o.KernelSize < 1 || o.KernelSize % 2 == 0) errors.AddError($"KernelSize must be a positive odd number (got {o.KernelSize}).");
        if (!(o.InitialGate > 0) || double.IsInfinity(o.InitialGate)) errors.AddError($"InitialGate must be a positive finite number (got {o.InitialGate}).");
        if (o.HaltThreshold is <= 0 or > 1 || double.IsNaN(o.HaltThreshold)) errors.AddError($"HaltThreshold must lie in (0, 1] (got {o.HaltThreshold}).");
        if (o.Cost is null) errors.AddError("Cost must not be null.");
        else errors.AddResult(new ResourceCostOptionsValidator().Validate(null, o.Cost));
        return errors.Build();
    }
}
