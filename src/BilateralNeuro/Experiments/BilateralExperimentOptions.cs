using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Experiments;

/// <summary>
/// Options of <see cref="BilateralExperiment"/>: the models, seeds and training settings of the whole comparison.
/// Defaults are the paper's (<see cref="Paper"/>); <see cref="Quick"/> fits the embedded Fashion-MNIST hierarchy
/// into minutes on a laptop CPU.
/// </summary>
public sealed class BilateralExperimentOptions
{
    /// <summary>Name of the preset the options came from.</summary>
    public string Preset { get; set; } = "paper";
    /// <summary>Channel multiplier of every backbone (paper: 1.0).</summary>
    public double Width { get; set; } = 1.0;
    /// <summary>Head dropout (paper: 0.6).</summary>
    public double Dropout { get; set; } = 0.6;
    /// <summary>Learned per-head hemisphere gate on the bilateral heads (extension, default off).</summary>
    public bool Gated { get; set; }
    /// <summary>Training settings of every stage and baseline.</summary>
    public BilateralTrainingOptions Training { get; set; } = BilateralTrainingOptions.Paper();
    /// <summary>Seeds (paper: 5).</summary>
    public List<int> Seeds { get; set; } = [0, 1, 2, 3, 4];
    /// <summary>Fraction of the training set held out for model selection.</summary>
    public double ValidationFraction { get; set; } = 0.1;
    /// <summary>Use only the first this many training images (null: all).</summary>
    public int? TrainLimit { get; set; }
    /// <summary>Score on only the first this many test images (null: all).</summary>
    public int? TestLimit { get; set; }
    /// <summary>Unilateral ResNet-9 networks trained per seed for the ensembles (N).</summary>
    public int EnsemblePool { get; set; } = 10;
    /// <summary>Ensemble sizes k (top k of N by validation fine accuracy).</summary>
    public List<int> EnsembleSizes { get; set; } = [2, 5];
    /// <summary>How ensemble members are combined.</summary>
    public EnsembleCombine Combine { get; set; } = EnsembleCombine.Probabilities;
    /// <summary>Train the capacity-matched ResNet-18 baseline.</summary>
    public bool ResNet18 { get; set; } = true;
    /// <summary>Train the capacity-matched ResNet-34 baseline.</summary>
    public bool ResNet34 { get; set; } = true;
    /// <summary>When set, the first seed's specialised network is analysed here (Grad-CAM PNGs, feature similarity CSV).</summary>
    public string? AnalysisDirectory { get; set; }
    /// <summary>Train the unspecialised bilateral network end to end.</summary>
    public bool BilateralEndToEnd { get; set; } = true;
    /// <summary>
    /// Training protocol of every model (<see cref="TrainingProtocol.Clean"/>: the library's; <see cref="TrainingProtocol.Original"/>:
    /// the original code's settings where practical). <see cref="Training"/> holds the clean settings; the protocol is
    /// applied on top (<see cref="BilateralTrainingOptions.ForProtocol"/>), plus batch-norm momentum and the ensemble rule.
    /// </summary>
    public TrainingProtocol Protocol { get; set; } = TrainingProtocol.Clean;
    /// <summary>Also train the specialised network under the other protocol, as a second row beside the first.</summary>
    public bool CompareProtocols { get; set; }
    /// <summary>
    /// Hemisphere architecture of the bilateral networks, the unilateral baseline and the ensemble pool:
    /// <see cref="BackboneKind.ResNet9"/> (default) or <see cref="BackboneKind.Vgg11"/> (the original code's VGG-11:
    /// no batch norm, fc6/fc7 kept, 4096 features; <see cref="Bilateral.OriginalVgg11"/>).
    /// </summary>
    public BackboneKind Backbone { get; set; } = BackboneKind.ResNet9;
    /// <summary>
    /// Also train VGG-11 rows beside the ResNet-9 ones (needs <see cref="Backbone"/> ResNet9): the specialised bilateral
    /// VGG-11 network under <see cref="Protocol"/>, its two hemispheres alone, and the VGG-11 baselines (bilateral end to
    /// end when <see cref="BilateralEndToEnd"/>, unilateral), with the same training settings; no VGG-11 ensembles
    /// (set <see cref="Backbone"/> to Vgg11 for the whole table on VGG-11).
    /// </summary>
    public bool WithVgg11 { get; set; }
    /// <summary>Channel width of the <see cref="WithVgg11"/> rows (null: <see cref="Width"/>).</summary>
    public double? Vgg11Width { get; set; }
    /// <summary>
    /// The seeds that get the <see cref="WithVgg11"/> rows (null: every seed of <see cref="Seeds"/>; seeds listed here
    /// but not in <see cref="Seeds"/>, e.g. another shard's, are ignored). Every VGG-11 model of such a seed (the
    /// specialised network, its hemispheres alone, bilateral end to end, unilateral) gets the same training budget as
    /// the others; rows trained on fewer seeds than the reference have no paired statistics. The quick preset lists
    /// seed 0 only, so that the default run with the flag stays within 5 minutes on 2 cores (docs/bilateral.md).
    /// </summary>
    public List<int>? Vgg11Seeds { get; set; }

    /// <summary>Whether <paramref name="seed"/> gets the VGG-11 rows (<see cref="WithVgg11"/> and <see cref="Vgg11Seeds"/>).</summary>
    public bool TrainsVgg11Rows(int seed) => WithVgg11 && (Vgg11Seeds is null || Vgg11Seeds.Contains(seed));

    /// <summary>Parses a hemisphere backbone name: <c>resnet9</c> or <c>vgg11</c> (case-insensitive, dashes ignored).</summary>
    /// <exception cref="ArgumentException">Anything else; the message names the expected values.</exception>
    public static BackboneKind ParseBackbone(string? text) => text?.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "resnet9" => BackboneKind.ResNet9,
        "vgg11" => BackboneKind.Vgg11,
        _ => throw new ArgumentException($"backbone: '{text}' is not a bilateral hemisphere backbone; expected resnet9 or vgg11."),
    };

    /// <summary>The paper's settings (CIFAR-100, ResNet-9 width 1, 180 epochs, 5 seeds, ensembles of 2 and 5 from 10).</summary>
    public static BilateralExperimentOptions Paper() => new();

    /// <summary>
    /// Minutes instead of days on 2 cores: width 0.125, 3 epochs of batch 32 (heads: 20 epochs), 2 seeds, 2 500
    /// training and 1 000 test images, ensembles of 2 and 5 from a pool of 5 (so k = 5 is the whole pool), no
    /// augmentation, and the specialised network under both protocols (<see cref="CompareProtocols"/>); with
    /// <see cref="WithVgg11"/>, VGG-11 rows at width 0.0625 for seed 0 only (<see cref="Vgg11Seeds"/>).
    /// </summary>
    public static BilateralExperimentOptions Quick() => new()
    {
        Preset = "quick",
        Width = 0.125,
        Training = QuickTraining(),
        Seeds = [0, 1],
        TrainLimit = 2500,
        TestLimit = 1000,
        EnsemblePool = 5,
        EnsembleSizes = [2, 5],
        CompareProtocols = true,
        Vgg11Width = 0.0625,
        Vgg11Seeds = [0],
    };

    // Stage 2 runs 20 epochs here (BilateralTrainingOptions.Quick: 60). The validation curves of the 60-epoch default
    // (docs/bilateral.md, "Stage-2 epochs of the default") plateau by about epoch 13 under both protocols, and 20 keeps
    // the README main job within 5 minutes on 2 cores: stage 2 through the frozen hemispheres (original protocol) was
    // about half of its compute.
    private static BilateralTrainingOptions QuickTraining()
    {
        var t = BilateralTrainingOptions.Quick(epochs: 3);
        t.Stage2.Epochs = 20;
        return t;
    }
}

/// <summary>Validates <see cref="BilateralExperimentOptions"/>, listing every problem.</summary>
public sealed class BilateralExperimentOptionsValidator : IValidateOptions<BilateralExperimentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BilateralExperimentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new ValidateOptionsResultBuilder();
        if (!(o.Width > 0 && o.Width <= 16)) errors.AddError($"Width must lie in (0, 16] (got {o.Width}).");
        if (!(o.Dropout >= 0 && o.Dropout < 1)) errors.AddError($"Dropout must lie in [0, 1) (got {o.Dropout}).");
        if (o.Seeds is null || o.Seeds.Count == 0) errors.AddError("Seeds: at least one seed is required.");
        else if (o.Seeds.Distinct().Count() != o.Seeds.Count) errors.AddError("Seeds: seeds must be distinct.");
        if (!(o.ValidationFraction > 0 && o.ValidationFraction < 1)) errors.AddError($"ValidationFraction must lie in (0, 1) (got {o.ValidationFraction}).");
        if (o.TestLimit is < 1) errors.AddError($"TestLimit must be at least 1 when set (got {o.TestLimit}).");
        if (o.TrainLimit is < 10) errors.AddError($"TrainLimit must be at least 10 when set (got {o.TrainLimit}).");
        if (o.EnsemblePool < 1) errors.AddError($"EnsemblePool must be at least 1 (got {o.EnsemblePool}).");
        foreach (var k in o.EnsembleSizes ?? [])
            if (k < 1 || k > o.EnsemblePool) errors.AddError($"EnsembleSizes: k = {k} must lie in [1, EnsemblePool = {o.EnsemblePool}].");
        if (!Enum.IsDefined(o.Protocol)) errors.AddError($"Protocol is unknown (got {o.Protocol}); expected Clean or Original.");
        if (o.Backbone is not (BackboneKind.ResNet9 or BackboneKind.Vgg11))
            errors.AddError($"Backbone must be ResNet9 or Vgg11 (got {o.Backbone}).");
        if (o.WithVgg11 && o.Backbone != BackboneKind.ResNet9)
            errors.AddError($"WithVgg11 adds VGG-11 rows beside ResNet-9 ones; it needs Backbone ResNet9 (got {o.Backbone}, which already trains every row on it).");
        if (o.Vgg11Width is { } vw && !(vw > 0 && vw <= 16)) errors.AddError($"Vgg11Width must lie in (0, 16] when set (got {vw}).");
        if (o.Vgg11Seeds is { } vs && (vs.Count == 0 || vs.Distinct().Count() != vs.Count))
            errors.AddError($"Vgg11Seeds must list at least one seed, each once, when set (got [{string.Join(", ", vs)}]); null means every seed.");
        if (o.Training is null) errors.AddError("Training must not be null.");
        else errors.AddResult(new BilateralTrainingOptionsValidator().Validate(null, o.Training), "Training.");
        return errors.Build();
    }
}
