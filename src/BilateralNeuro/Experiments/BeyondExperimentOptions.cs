using BilateralNeuro.Beyond;
using BilateralNeuro.Beyond.Training;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Experiments;

/// <summary>
/// Options of <see cref="BeyondExperiment"/>: which variants (rows) to train, at the bilateral quick preset's scale by
/// default (width 0.125, 3 stage-1 epochs of batch 32, 60 cached head epochs, 2 seeds, 2 500 training / 1 000 test
/// images), so its <c>paper</c> row is comparable with the bilateral experiment's.
/// </summary>
public sealed class BeyondExperimentOptions
{
    /// <summary>
    /// Variants, one row each: <c>paper</c> (two ResNet-9, fine / coarse) or a '+'-joined set of extensions:
    /// <c>asymmetric</c> (narrow-deep ResNet-18 left, wide-shallow right), <c>lattice</c> (two recurrent lattices with
    /// different resource pressures), <c>callosal</c> (two gated links between intermediate stages), <c>selfsup</c>
    /// (right hemisphere trained by reconstruction instead of coarse labels), <c>contrastive</c> (right hemisphere
    /// trained by a contrastive loss), <c>sync</c> (both hemispheres synchronised by Kuramoto oscillators after a stage,
    /// no phase coupling), <c>coupled</c> (synchronised hemispheres with the callosal phase coupling
    /// <see cref="PhaseCoupling"/>; implies <c>sync</c>), <c>frozenphase</c> (the control of <c>sync</c>: the same blocks
    /// with η = 0, so the phases stay at their random initial pattern). Modifiers of <c>lattice</c> (resource-allocation
    /// controls): <c>budget</c> (one <see cref="SharedResourceBudget"/> for both lattices at the mean of the two
    /// pressures, budget 2, split learned), <c>fixedsplit</c> (the same budget with the split fixed at 0.5: its
    /// control), <c>equalpressure</c> (both lattices at the mean pressure, no budget), <c>swapped</c> (left gets the
    /// right's pressures and vice versa), <c>t1</c> (one step: the same architecture run feed-forward, the control of
    /// recurrence, with its own input size and pressures kept), <c>ff</c> (the same lattice and its T steps with bottom-up
    /// connections only: no lateral or top-down drive, so every step recomputes the same feed-forward pass - the
    /// control of recurrence at equal architecture, steps and pressures). <c>labelfree</c>: both hemispheres self-supervised (reconstruction, or contrastive with
    /// <c>contrastive</c>); see <see cref="ProbeFeatures"/>. E.g. <c>asymmetric+callosal</c>, <c>sync+contrastive</c>.
    /// </summary>
    public List<string> Variants { get; set; } = ["paper", "asymmetric", "callosal", "lattice", "selfsup"];
    /// <summary>Channel multiplier of the ResNet-9 hemispheres (bilateral quick preset: 0.125).</summary>
    public double Width { get; set; } = 0.125;
    /// <summary>Channel multiplier of the narrow-deep ResNet-18 of <c>asymmetric</c> (0.09: about the ResNet-9's parameters).</summary>
    public double NarrowWidth { get; set; } = 0.09;
    /// <summary>Channels of the wide-shallow network of <c>asymmetric</c> (64-160: about the ResNet-9's parameters).</summary>
    public List<int> WideChannels { get; set; } = [64, 160];
    /// <summary>Merge mode of the callosal links.</summary>
    public CallosalMode LinkMode { get; set; } = CallosalMode.Gated;
    /// <summary>Lattice window of <c>lattice</c>: layers, channels, steps (4 x 32 x 4 on 14 x 14 inputs: about the ResNet-9's parameters).</summary>
    public (int Layers, int Channels, int Steps) Lattice { get; set; } = (4, 32, 4);
    /// <summary>
    /// Resource pressures (breadth, depth, time) of the left (fine) lattice: a tenth of the resource experiments'
    /// moderate pressures and cheap time, so it can stay wide and think longer.
    /// </summary>
    public (double Breadth, double Depth, double Time) LeftPressure { get; set; } = (3e-3, 1e-2, 1e-3);
    /// <summary>Resource pressures of the right (coarse) lattice: the resource experiments' moderate breadth/depth and their occlusion run's time pressure.</summary>
    public (double Breadth, double Depth, double Time) RightPressure { get; set; } = (3e-2, 1e-1, 6.5e-2);
    /// <summary>Temperature τ of the <c>budget</c> split's entropy term (see <see cref="SharedBudgetOptions.Temperature"/>).</summary>
    public double BudgetTemperature { get; set; } = 0.5;
    /// <summary>Learning rate of the <c>budget</c> split (its own Adam group).</summary>
    public double BudgetLearningRate { get; set; } = 0.05;
    /// <summary>
    /// Kuramoto block of <c>sync</c>/<c>coupled</c> in each hemisphere: after stage 1 of the ResNet-9 (32 channels at 1/4
    /// resolution at width 0.125) or of the narrow ResNet-18 and after stage 0 of the wide-shallow net (<c>asymmetric</c>);
    /// 3 Euler steps, a 3×3 coupling kernel, a 1×1 complex mix: about 10 k parameters per ResNet-9 hemisphere (+10 % on
    /// the paper network, like the callosal links; a 5×5 kernel and 3×3 mix would add 70 k, +33 %).
    /// </summary>
    public (int Steps, int KernelSize, int MixKernel) Sync { get; set; } = (3, 3, 1);
    /// <summary>
    /// Callosal phase coupling κ of <c>coupled</c> (η·κ = 0.6 at the default η 0.006: in a unit test 100 locks the two
    /// hemispheres' global phases, PLV 0.99, while 1 000 overshoots).
    /// </summary>
    public double PhaseCoupling { get; set; } = 100;
    /// <summary>
    /// Fit a ridge probe from each hemisphere's features to every label level (training split → test set) and report
    /// <c>"{left|right} probe {level}"</c> accuracies (<see cref="Beyond.Training.HemisphereProbe"/>); always done for
    /// <c>labelfree</c> rows.
    /// </summary>
    public bool ProbeFeatures { get; set; }
    /// <summary>Head dropout (paper: 0.6).</summary>
    public double Dropout { get; set; } = 0.6;
    /// <summary>Training settings.</summary>
    public BeyondTrainingOptions Training { get; set; } = new();
    /// <summary>Seeds.</summary>
    public List<int> Seeds { get; set; } = [0, 1];
    /// <summary>Fraction of the training set held out for model selection.</summary>
    public double ValidationFraction { get; set; } = 0.1;
    /// <summary>Use only the first this many training images (null: all).</summary>
    public int? TrainLimit { get; set; } = 2500;
    /// <summary>Score on only the first this many test images (null: all).</summary>
    public int? TestLimit { get; set; } = 1000;
}

/// <summary>Validates <see cref="BeyondExperimentOptions"/>, listing every problem.</summary>
public sealed class BeyondExperimentOptionsValidator : IValidateOptions<BeyondExperimentOptions>
{
    /// <summary>Known extension tokens of a variant.</summary>
    public static readonly IReadOnlyList<string> Tokens = ["paper", "asymmetric", "lattice", "callosal", "selfsup", "contrastive", "sync", "coupled", "frozenphase",
        "budget", "fixedsplit", "equalpressure", "swapped", "t1", "ff", "labelfree"];

    /// <summary>Tokens that modify <c>lattice</c> (at most one pressure modifier per variant, <c>t1</c> combines).</summary>
    public static readonly IReadOnlyList<string> LatticeModifiers = ["budget", "fixedsplit", "equalpressure", "swapped"];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BeyondExperimentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.Variants is null || o.Variants.Count == 0) e.AddError("Variants: at least one variant is required.");
        else
            foreach (var v in o.Variants)
            {
                var t = v.Split('+');
                foreach (var bad in t.Where(x => !Tokens.Contains(x))) e.AddError($"Variants: '{bad}' in '{v}' is unknown; expected {string.Join(", ", Tokens)} joined by '+'.");
                if (t.Contains("lattice") && t.Contains("asymmetric")) e.AddError($"Variants: '{v}' combines asymmetric and lattice; choose one architecture.");
                if (t.Contains("lattice") && t.Contains("callosal")) e.AddError($"Variants: '{v}': lattice hemispheres have no intermediate stages for callosal links.");
                if (t.Contains("selfsup") && t.Contains("contrastive")) e.AddError($"Variants: '{v}': choose one self-supervised objective.");
                if (t.Contains("lattice") && (t.Contains("sync") || t.Contains("coupled"))) e.AddError($"Variants: '{v}': lattice hemispheres cannot be synchronised.");
                if (t.Contains("frozenphase") && (t.Contains("sync") || t.Contains("coupled") || t.Contains("lattice"))) e.AddError($"Variants: '{v}': frozenphase is the unsynchronised control of sync; it cannot be combined with sync, coupled or lattice.");
                foreach (var m in LatticeModifiers.Append("t1").Append("ff").Where(m => t.Contains(m) && !t.Contains("lattice")))
                    e.AddError($"Variants: '{v}': '{m}' modifies the lattice hemispheres; write lattice+{m}.");
                if (t.Count(LatticeModifiers.Contains) > 1) e.AddError($"Variants: '{v}': choose one of {string.Join(", ", LatticeModifiers)}.");
                if (t.Contains("coupled") && t.Contains("callosal")) e.AddError($"Variants: '{v}': the callosal links would deadlock with lockstep oscillators (a link leaves a synchronised stage); use sync+callosal.");
            }
        if (o.Variants is not null && o.Variants.Distinct().Count() != o.Variants.Count) e.AddError("Variants: variants must be distinct.");
        if (!(o.Width > 0 && o.Width <= 16)) e.AddError($"Width must lie in (0, 16] (got {o.Width}).");
        if (!(o.NarrowWidth > 0 && o.NarrowWidth <= 16)) e.AddError($"NarrowWidth must lie in (0, 16] (got {o.NarrowWidth}).");
        if (o.WideChannels is null || o.WideChannels.Count is < 1 or > 4 || o.WideChannels.Any(c => c < 1)) e.AddError("WideChannels: 1 to 4 positive channel counts are required.");
        if (o.Lattice.Layers < 1 || o.Lattice.Channels < 1 || o.Lattice.Steps < 1) e.AddError($"Lattice: layers, channels and steps must be positive (got {o.Lattice}).");
        if (o.Sync.Steps < 1 || o.Sync.KernelSize < 1 || o.Sync.KernelSize % 2 == 0 || o.Sync.MixKernel < 1 || o.Sync.MixKernel % 2 == 0)
            e.AddError($"Sync: steps must be positive and kernel sizes positive odd numbers (got {o.Sync}).");
        if (!double.IsFinite(o.PhaseCoupling) || o.PhaseCoupling <= 0) e.AddError($"PhaseCoupling must be a positive finite number (got {o.PhaseCoupling}).");
        if (!double.IsFinite(o.BudgetTemperature) || o.BudgetTemperature <= 0) e.AddError($"BudgetTemperature must be a positive finite number (got {o.BudgetTemperature}).");
        if (!double.IsFinite(o.BudgetLearningRate) || o.BudgetLearningRate <= 0) e.AddError($"BudgetLearningRate must be a positive finite number (got {o.BudgetLearningRate}).");
        if (!(o.Dropout >= 0 && o.Dropout < 1)) e.AddError($"Dropout must lie in [0, 1) (got {o.Dropout}).");
        if (o.Seeds is null || o.Seeds.Count == 0) e.AddError("Seeds: at least one seed is required.");
        else if (o.Seeds.Distinct().Count() != o.Seeds.Count) e.AddError("Seeds: seeds must be distinct.");
        if (!(o.ValidationFraction > 0 && o.ValidationFraction < 1)) e.AddError($"ValidationFraction must lie in (0, 1) (got {o.ValidationFraction}).");
        if (o.TrainLimit is < 10) e.AddError($"TrainLimit must be at least 10 when set (got {o.TrainLimit}).");
        if (o.TestLimit is < 1) e.AddError($"TestLimit must be at least 1 when set (got {o.TestLimit}).");
        if (o.Training is null) e.AddError("Training must not be null.");
        else e.AddResult(new BeyondTrainingOptionsValidator().Validate(null, o.Training), "Training.");
        return e.Build();
    }
}
