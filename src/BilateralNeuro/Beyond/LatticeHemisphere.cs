using BilateralNeuro.Resources;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond;

/// <summary>
/// A recurrent hemisphere: a <see cref="LatticeNetwork"/> (registered as <c>lattice</c>) whose readout has
/// <see cref="FeatureSize"/> outputs, used as a feature projection. Features are the time-weighted readout
/// sum_t p_t * readout_t, p being the lattice's own time distribution (halting or fixed mixing), so each hemisphere
/// can spend its own number of steps. It carries its own <see cref="ResourceCostPenalty"/> (the lattice options'
/// pressures), which the stage-1 trainer adds to the hemisphere's loss. One stage (the whole recurrence): callosal
/// links cannot attach to it.
/// </summary>
public sealed class LatticeHemisphere : StagedHemisphere, IResourceGated
{
    private readonly LatticeNetwork lattice;

    /// <summary>Creates the hemisphere; <paramref name="options"/>.Classes is the feature size.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some lattice option is invalid.</exception>
    public LatticeHemisphere(LatticeOptions options, HemisphereObjective objective)
        : base(nameof(LatticeHemisphere), objective, (options ?? throw new ArgumentNullException(nameof(options))).InputChannels)
    {
        lattice = new LatticeNetwork(options);
        Penalty = new ResourceCostPenalty(options.Cost);
        RegisterComponents();
    }

    /// <summary>The lattice.</summary>
    public LatticeNetwork Lattice => lattice;
    /// <summary>The resource penalty of this hemisphere.</summary>
    public ResourceCostPenalty Penalty { get; }
    /// <inheritdoc />
    public override int StageCount => 1;
    /// <inheritdoc />
    public override IReadOnlyList<int> StageChannels => [InputChannels];
    /// <inheritdoc />
    public override int FeatureSize => lattice.Classes;
    /// <inheritdoc />
    public override bool SupportsLinks => false;
    /// <inheritdoc />
    public override string Description =>
        $"lattice {lattice.Layers}x{lattice.LayerChannels.Max()}x{lattice.Steps} {lattice.Connections} (pressures {Penalty.Options.BreadthPressure:G2}/{Penalty.Options.DepthPressure:G2}/{Penalty.Options.TimePressure:G2})";

    /// <summary>Stage 0 passes the image through; the recurrence runs in <see cref="Readout"/>.</summary>
    public override Tensor RunStage(int index, Tensor input)
    {
        if (index != 0) throw new ArgumentOutOfRangeException(nameof(index), index, "LatticeHemisphere: it has one stage (0).");
        return input;
    }

    /// <inheritdoc />
    public override HemisphereReadout Readout(Tensor last)
    {
        using var scope = NewDisposeScope();
        var outputs = lattice.call(last);
        var p = outputs[LatticeOutputs.Time];
        var features = (p.unsqueeze(2) * outputs[LatticeOutputs.StepLogits]).sum(1);
        return new HemisphereReadout(features.MoveToOuterDisposeScope(), p.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> BreadthGates() => lattice.BreadthGates();
    /// <inheritdoc />
    public Tensor DepthGates() => lattice.DepthGates();
    /// <inheritdoc />
    public Tensor? TimeDistribution(IReadOnlyDictionary<string, Tensor> outputs) => lattice.TimeDistribution(outputs);

    /// <summary>Resource costs for a batch whose time distribution is <paramref name="time"/> (N, T).</summary>
    public ResourceCost Cost(Tensor? time) => Penalty.Compute(lattice, time is null ? null : new Dictionary<string, Tensor> { [LatticeOutputs.Time] = time });

    /// <summary>Effective size (active channels, layers; mean expected steps of <paramref name="time"/> when given).</summary>
    public ResourceReport Measure(Tensor? time = null) => Penalty.Measure(lattice, time is null ? null : new Dictionary<string, Tensor> { [LatticeOutputs.Time] = time });
}
