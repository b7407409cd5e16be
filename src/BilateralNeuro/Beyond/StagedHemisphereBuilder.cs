using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using BilateralNeuro.Resources;

namespace BilateralNeuro.Beyond;

/// <summary>
/// Fluent configuration of one hemisphere of an <see cref="AsymmetricBilateralNetwork"/>, e.g.
/// <c>h.ResNet18(0.125).Specialize(LabelLevel.Fine)</c>, <c>h.WideShallow(48, 96).SelfSupervised()</c> or
/// <c>h.Lattice(l => l.MaxLayers(4).MaxChannels(16).MaxSteps(4).Pressure(time: 0.05), features: 64)</c>.
/// Checked at <see cref="BeyondBuilder.Build"/>.
/// </summary>
public sealed class StagedHemisphereBuilder
{
    private BackboneKind? architecture;
    private double width = 0.125;
    private int[] wideChannels = [];
    private int inputChannels = 1;
    private HemisphereObjective? objective;
    private LatticeBuilder? lattice;
    private int latticeFeatures = 64;
    private PhaseSyncOptions? sync;

    /// <summary>The paper's ResNet-9 at a channel multiplier.</summary>
    public StagedHemisphereBuilder ResNet9(double width = 0.125) { architecture = BackboneKind.ResNet9; this.width = width; return this; }
    /// <summary>A narrow-deep ResNet-18 at a channel multiplier.</summary>
    public StagedHemisphereBuilder ResNet18(double width = 0.125) { architecture = BackboneKind.ResNet18; this.width = width; return this; }
    /// <summary>A wide-shallow network with these channels per layer (1 to 4 layers).</summary>
    public StagedHemisphereBuilder WideShallow(params int[] channels) { architecture = BackboneKind.WideShallow; wideChannels = channels ?? []; return this; }
    /// <summary>A recurrent lattice (its classes are set to <paramref name="features"/>; its input channels to this builder's).</summary>
    public StagedHemisphereBuilder Lattice(Func<LatticeBuilder, LatticeBuilder> configure, int features = 64)
    {
        ArgumentNullException.ThrowIfNull(configure);
        architecture = BackboneKind.Lattice;
        lattice = configure(LatticeNetwork.Create());
        latticeFeatures = features;
        return this;
    }
    /// <summary>
    /// Puts Kuramoto oscillators after stage <paramref name="afterStage"/> (a <see cref="PhaseSyncBlock"/>: T Euler
    /// steps with a learned k×k coupling kernel, then a complex <paramref name="mixKernel"/>×<paramref name="mixKernel"/>
    /// convolution whose magnitude is added to the map). Not available for a lattice. The initial-phase pattern is
    /// seeded by <paramref name="patternSeed"/> (default: 1 for the left hemisphere, 2 for the right).
    /// <paramref name="stepSize"/> is the Euler step η (default 0.006); 0 freezes the phases at the random initial
    /// pattern, the control that keeps the block's extra layer without any synchronisation.
    /// </summary>
    public StagedHemisphereBuilder Synchronize(int afterStage = 1, int steps = 3, int kernelSize = 5, int mixKernel = 3, int? patternSeed = null, double? stepSize = null)
    {
        sync = new PhaseSyncOptions { AfterStage = afterStage, Steps = steps, KernelSize = kernelSize, MixKernel = mixKernel, PatternSeed = patternSeed ?? 0 };
        if (stepSize is { } eta) sync.StepSize = eta;
        explicitPatternSeed = patternSeed is not null;
        return this;
    }

    /// <summary>Puts Kuramoto oscillators after a stage with full options (see <see cref="Synchronize(int, int, int, int, int?, double?)"/>).</summary>
    public StagedHemisphereBuilder Synchronize(PhaseSyncOptions options)
    {
        sync = (options ?? throw new ArgumentNullException(nameof(options))).Clone();
        explicitPatternSeed = true;
        return this;
    }

    private bool explicitPatternSeed;

    /// <summary>Whether <see cref="Synchronize(int, int, int, int, int?, double?)"/> was called.</summary>
    public bool IsSynchronized => sync is not null;

    /// <summary>Image channels.</summary>
    public StagedHemisphereBuilder InputChannels(int channels) { inputChannels = channels; return this; }
    /// <summary>Stage-1 objective: cross-entropy on a label level.</summary>
    public StagedHemisphereBuilder Specialize(LabelLevel level) { objective = HemisphereObjective.Classify(level); return this; }
    /// <summary>Stage-1 objective: a self-supervised one (default: reconstruction).</summary>
    public StagedHemisphereBuilder SelfSupervised(HemisphereObjective? selfSupervised = null) { objective = selfSupervised ?? HemisphereObjective.Reconstruct(); return this; }

    internal LabelLevel? ObjectiveLevel => objective?.Kind == ObjectiveKind.Classification ? objective.Level : null;

    /// <summary>
    /// The configured architecture (null until chosen): <see cref="BackboneKind.ResNet9"/> (three stages),
    /// <see cref="BackboneKind.ResNet18"/> (four), <see cref="BackboneKind.WideShallow"/> (one per layer) or
    /// <see cref="BackboneKind.Lattice"/> (recurrent, with its own time distribution and resource penalty).
    /// </summary>
    public BackboneKind? Architecture => architecture;

    internal List<string> Problems(string side)
    {
        var e = new List<string>();
        if (architecture is null) e.Add($"{side}: no architecture; call ResNet9(), ResNet18(), WideShallow(...) or Lattice(...).");
        if (objective is null) e.Add($"{side}: no objective; call Specialize(LabelLevel.Fine|Coarse) or SelfSupervised().");
        else if (objective.Kind == ObjectiveKind.Classification && objective.Level is null) e.Add($"{side}: a classification objective needs a label level.");
        else if (objective.Kind == ObjectiveKind.Contrastive && !(objective.Temperature > 0)) e.Add($"{side}: the contrastive temperature must be positive (got {objective.Temperature}).");
        if (inputChannels < 1) e.Add($"{side}: InputChannels must be at least 1 (got {inputChannels}).");
        if (architecture is BackboneKind.ResNet9 or BackboneKind.ResNet18 && !(width > 0 && width <= 16)) e.Add($"{side}: width must lie in (0, 16] (got {width}).");
        if (architecture == BackboneKind.WideShallow && (wideChannels.Length is < 1 or > 4 || wideChannels.Any(c => c < 1)))
            e.Add($"{side}: WideShallow needs 1 to 4 positive channel counts (got [{string.Join(", ", wideChannels)}]).");
        if (sync is not null)
        {
            if (architecture == BackboneKind.Lattice) e.Add($"{side}: a lattice hemisphere cannot be synchronised (its stage is recurrent); use a convolutional hemisphere.");
            else e.AddRange(OptionsValidation.Failures(new PhaseSyncOptionsValidator(StageCount).Validate(null, sync)).Select(x => $"{side}: {x}"));
        }
        if (architecture == BackboneKind.Lattice)
        {
            if (latticeFeatures < 2) e.Add($"{side}: lattice features must be at least 2 (got {latticeFeatures}).");
            var o = Options();
            var r = new LatticeOptionsValidator().Validate(null, o);
            if (r.Failed) e.AddRange(r.Failures.Select(f => $"{side}: lattice: {f}"));
        }
        return e;
    }

    private LatticeOptions Options()
    {
        var o = lattice!.Options;
        o.InputChannels = inputChannels;
        o.Classes = latticeFeatures;
        return o;
    }

    private int? StageCount => architecture switch
    {
        BackboneKind.ResNet9 => 3,
        BackboneKind.ResNet18 => 4,
        BackboneKind.WideShallow => wideChannels.Length,
        _ => null,
    };

    internal StagedHemisphere BuildUnchecked(int defaultPatternSeed = 1)
    {
        StagedHemisphere h = architecture switch
        {
            BackboneKind.ResNet9 => ConvHemisphere.ResNet9(inputChannels, width, objective!),
            BackboneKind.ResNet18 => ConvHemisphere.ResNet18(inputChannels, width, objective!),
            BackboneKind.WideShallow => ConvHemisphere.WideShallow(inputChannels, wideChannels, objective!),
            _ => new LatticeHemisphere(Options(), objective!),
        };
        if (sync is not null && h is ConvHemisphere conv)
        {
            var o = sync.Clone();
            if (!explicitPatternSeed) o.PatternSeed = defaultPatternSeed;
            conv.Synchronize(o);
        }
        return h;
    }
}
