using BilateralNeuro.Analysis;
using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Experiments;

/// <summary>Source of the pre-trained weights before valence transfer.</summary>
public enum FacePretraining
{
    /// <summary>Object classification (procedural objects by default, or a given object set; ImageNet in the paper).</summary>
    Object,
    /// <summary>Face identity classification on procedural identities.</summary>
    Face,
    /// <summary>No pre-training: frozen randomly initialised features, a control for the pre-training weight bias.</summary>
    RandomInit,
}

/// <summary>Object set of the object pre-training.</summary>
public enum FaceObjectSet
{
    /// <summary>Fashion-MNIST (10 classes; the full set when found, else the embedded subset), resized and replicated to RGB; a random subset per seed.</summary>
    FashionMnist,
    /// <summary><see cref="Data.ProceduralObjects"/>: 10 rotated, coloured shape classes (slow to learn for the small CPU networks).</summary>
    Procedural,
}

/// <summary>
/// Options of <see cref="FaceAttentionExperiment"/>. One width for every network (matched pre-training), every
/// (pre-training, architecture) repeated over <see cref="Seeds"/>, transfer like the stand-in lab (JyBmegan/SE-AlexNet:
/// conv weights carried, fc6/fc7 fresh, SE with reduction 2 before fc6, crop + flip), lab psychometrics on the averaged
/// identity's 21-step morph. The defaults are the CPU budget (about 8 CPU-minutes, run as two one-thread worker processes by samples/FaceAttention; every
/// seed pre-trains its own backbones at 64 px towards a stated 60 % validation accuracy); <see cref="Full"/> spends
/// more on every stage.
/// </summary>
public sealed class FaceAttentionExperimentOptions
{
    /// <summary>Image side of the valence transfer, probes and morph (64..224).</summary>
    public int ImageSize { get; set; } = 96;
    /// <summary>
    /// Image side of the pre-training images (64..224; null = <see cref="ImageSize"/>). Convolutions carry over to the
    /// transfer size; the adaptive pooling makes the classifier size-independent. The default pre-trains at 64 px and
    /// transfers at 96 px (AlexNet's last map 2x2, VGG's 3x3), the CPU budget's compromise.
    /// </summary>
    public int? PretrainImageSize { get; set; } = 64;
    /// <summary>Width multiplier of every network (the same for AlexNet and the VGGs: matched capacity per layer).</summary>
    public double Width { get; set; } = 0.0625;
    /// <summary>
    /// Models to run: AlexNet, FE-AlexNet (SE gate, r = <see cref="Reduction"/>, before fc6), Ungated-AlexNet (the
    /// parameter-matched control: same layers, no gate), VGG11, VGG13, VGG16.
    /// </summary>
    public List<string> Models { get; set; } = ["AlexNet", "FE-AlexNet", "Ungated-AlexNet", "VGG11", "VGG13", "VGG16"];
    /// <summary>Pre-training sources to compare (RandomInit = frozen random features, the control).</summary>
    public List<FacePretraining> Pretrainings { get; set; } = [FacePretraining.Object, FacePretraining.Face, FacePretraining.RandomInit];
    /// <summary>Seeds of the repeated runs (at least 1; 5 for CIs); what a seed repeats is set by <see cref="PretrainPerSeed"/>.</summary>
    public List<int> Seeds { get; set; } = [1, 2, 3, 4, 5];
    /// <summary>
    /// true: every seed draws its own identities, images and objects and pre-trains, probes and transfers its own
    /// networks (CIs over seeds cover everything). false (the CPU default): one data set and one pre-training per
    /// (source, architecture) from <see cref="DataSeed"/>, and the seeds repeat the transfer (fresh fc6/fc7/attention
    /// initialisation and batch order) on those frozen features; probe CIs are then over the identity-grouped folds.
    /// Default true.
    /// </summary>
    public bool PretrainPerSeed { get; set; } = true;
    /// <summary>Seed of the data and of the single pre-training when <see cref="PretrainPerSeed"/> is false.</summary>
    public int DataSeed { get; set; } = 1;
    /// <summary>VGGs with batch norm after every conv (torchvision's <c>_bn</c> variants; without it they did not leave chance in the CPU budget).</summary>
    public bool VggBatchNorm { get; set; } = true;
    /// <summary>Object set of the object pre-training when the run is given none (<see cref="ExperimentData.Objects"/> null).</summary>
    public FaceObjectSet ObjectSet { get; set; } = FaceObjectSet.FashionMnist;
    /// <summary>Object images for object pre-training (a random subset per seed of the object set, or procedural objects).</summary>
    public int ObjectImages { get; set; } = 1000;
    /// <summary>Identities of the face pre-training task (the issue asks for hundreds; the CPU default shrinks the scene to 10).</summary>
    public int PretrainIdentities { get; set; } = 10;
    /// <summary>Images per pre-training identity (random expression and nuisance).</summary>
    public int ImagesPerPretrainIdentity { get; set; } = 72;
    /// <summary>Maximum pre-training epochs (all layers trained, Adam; the best validation epoch is kept; see the targets).</summary>
    public int PretrainEpochs { get; set; } = 7;
    /// <summary>
    /// Stated validation accuracy of the object pre-training: training stops after the first epoch that reaches it
    /// (<see cref="Training.Selection.StopAt"/>); null trains every epoch. Whether each seed reached it is reported.
    /// </summary>
    public double? ObjectTargetAccuracy { get; set; } = 0.6;
    /// <summary>Stated validation accuracy of the face-identity pre-training (as <see cref="ObjectTargetAccuracy"/>).</summary>
    public double? FaceTargetAccuracy { get; set; } = 0.6;
    /// <summary>
    /// Pre-training learning rate (Adam, the same for every backbone). Default 1e-3: at width 1/16 and 64 px, AlexNet
    /// (no batch norm) and VGG16 (batch norm) both reached higher validation accuracy in the same epochs at 1e-3 than at
    /// 2e-3 or 4e-3 (docs/face-attention.md, "Competence").
    /// </summary>
    public double PretrainLearningRate { get; set; } = 1e-3;
    /// <summary>Pre-training batch size.</summary>
    public int PretrainBatchSize { get; set; } = 32;
    /// <summary>Identities of the valence training set (disjoint from validation and test identities).</summary>
    public int TransferIdentities { get; set; } = 24;
    /// <summary>Identities of the valence validation set (model selection of the transfer).</summary>
    public int ValidationIdentities { get; set; } = 8;
    /// <summary>Images per transfer identity (half negative, half positive); probes use the same images.</summary>
    public int ImagesPerTransferIdentity { get; set; } = 10;
    /// <summary>Held-out identities for the valence test; their average is the morph's face.</summary>
    public int TestIdentities { get; set; } = 12;
    /// <summary>Random resized crop + flip views of every training image whose frozen features are cached (0 = none; the original is always kept).</summary>
    public int AugmentedViews { get; set; } = 1;
    /// <summary>Optimiser steps of the transfer (on cached features; rounded up to whole epochs).</summary>
    public int TransferSteps { get; set; } = 200;
    /// <summary>Transfer learning rate (stand-in: Adam 1e-4).</summary>
    public double TransferLearningRate { get; set; } = 1e-3;
    /// <summary>Transfer batch size (stand-in: 128).</summary>
    public int TransferBatchSize { get; set; } = 64;
    /// <summary>Attention reduction ratio of FE-AlexNet and its ungated control (stand-in: 2).</summary>
    public int Reduction { get; set; } = 2;
    /// <summary>Morph levels of the averaged-identity continuum (lab: 21).</summary>
    public int MorphLevels { get; set; } = 21;
    /// <summary>Occlusions of the continuum, each fitted separately (None = the lab's canonical morph).</summary>
    public List<Data.FaceOcclusion> Occlusions { get; set; } = [Data.FaceOcclusion.None];
    /// <summary>Psychometric fit: least squares on softmax P(happy) (the lab's) or this project's earlier maximum likelihood.</summary>
    public PsychometricFitMethod CurveFit { get; set; } = PsychometricFitMethod.LeastSquares;
    /// <summary>Folds of the identity-grouped linear valence probes.</summary>
    public int ProbeFolds { get; set; } = 5;
    /// <summary>Device name ("cpu", "cuda").</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>The default CPU budget (the property defaults): about 8 CPU-minutes (docs/face-attention.md).</summary>
    public static FaceAttentionExperimentOptions Default() => new();

    /// <summary>
    /// Larger budgets for a user with time (hours of CPU): every seed with its own data and pre-training, width 1/8, pre-training
    /// at 128 px on 4,000 objects (target 85 %) or 400 identities × 20 images (target 80 %), at most 30 epochs, 80 + 20 transfer identities, 4 augmented views, 2,000 transfer
    /// steps at the stand-in's Adam 1e-4 and batch 128, 10 seeds.
    /// </summary>
    public static FaceAttentionExperimentOptions Full() => new()
    {
        ImageSize = 128, PretrainImageSize = null, PretrainLearningRate = 1e-3, Width = 0.125, ObjectImages = 4000, PretrainIdentities = 400, ImagesPerPretrainIdentity = 20,
        PretrainEpochs = 30, ObjectTargetAccuracy = 0.85, FaceTargetAccuracy = 0.8,
        TransferIdentities = 80, ValidationIdentities = 20, TestIdentities = 40, AugmentedViews = 4, TransferSteps = 2000,
        TransferLearningRate = 1e-4, TransferBatchSize = 128, Seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], PretrainPerSeed = true,
        Occlusions = [Data.FaceOcclusion.None, Data.FaceOcclusion.Eyes, Data.FaceOcclusion.Nose, Data.FaceOcclusion.Mouth],
    };
}

/// <summary>Validates <see cref="FaceAttentionExperimentOptions"/>, listing every problem.</summary>
public sealed class FaceAttentionExperimentOptionsValidator : IValidateOptions<FaceAttentionExperimentOptions>
{
    /// <summary>Known model names: the transfer architectures' display names (AlexNet, VGG11, VGG13, VGG16), FE-AlexNet and Ungated-AlexNet.</summary>
    public static IReadOnlyList<string> KnownModels { get; } =
        [.. BackboneRegistry.TorchvisionClassifiers.Select(BackboneRegistry.DisplayName), "FE-AlexNet", "Ungated-AlexNet"];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FaceAttentionExperimentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.ImageSize is < 64 or > 224) e.AddError($"ImageSize must lie in [64, 224] (got {o.ImageSize}).");
        if (o.PretrainImageSize is < 64 or > 224) e.AddError($"PretrainImageSize must lie in [64, 224] or be null (got {o.PretrainImageSize}).");
        if (!Enum.IsDefined(o.ObjectSet)) e.AddError($"ObjectSet must be FashionMnist or Procedural (got {(int)o.ObjectSet}).");
        if (o.ObjectTargetAccuracy is { } ot && !(ot > 0 && ot <= 1)) e.AddError($"ObjectTargetAccuracy must lie in (0, 1] or be null (got {ot}).");
        if (o.FaceTargetAccuracy is { } ft && !(ft > 0 && ft <= 1)) e.AddError($"FaceTargetAccuracy must lie in (0, 1] or be null (got {ft}).");
        if (o.Width is <= 0 or > 4) e.AddError($"Width must lie in (0, 4] (got {o.Width}).");
        if (o.Models is null || o.Models.Count == 0) e.AddError("Models must name at least one model.");
        foreach (var m in (o.Models ?? []).Where(m => !KnownModels.Contains(m))) e.AddError($"Unknown model '{m}'; known: {string.Join(", ", KnownModels)}.");
        if (o.Models is not null && o.Models.Distinct().Count() != o.Models.Count) e.AddError("Models lists a model twice.");
        if (o.Pretrainings is null || o.Pretrainings.Count == 0) e.AddError("Pretrainings must list at least one source.");
        if (o.Seeds is null || o.Seeds.Count == 0) e.AddError("Seeds must list at least one seed.");
        else if (o.Seeds.Distinct().Count() != o.Seeds.Count) e.AddError("Seeds lists a seed twice.");
        if (o.ObjectImages < 100) e.AddError($"ObjectImages must be at least 100 (got {o.ObjectImages}).");
        if (o.PretrainIdentities < 2) e.AddError($"PretrainIdentities must be at least 2 (got {o.PretrainIdentities}).");
        if (o.ImagesPerPretrainIdentity < 2) e.AddError($"ImagesPerPretrainIdentity must be at least 2 (got {o.ImagesPerPretrainIdentity}).");
        if (o.PretrainEpochs < 1) e.AddError($"PretrainEpochs must be at least 1 (got {o.PretrainEpochs}).");
        if (o.TransferIdentities < 2) e.AddError($"TransferIdentities must be at least 2 (got {o.TransferIdentities}).");
        if (o.ValidationIdentities < 1) e.AddError($"ValidationIdentities must be at least 1 (got {o.ValidationIdentities}).");
        if (o.ImagesPerTransferIdentity < 2) e.AddError($"ImagesPerTransferIdentity must be at least 2 (got {o.ImagesPerTransferIdentity}).");
        if (o.TestIdentities < 2) e.AddError($"TestIdentities must be at least 2 (got {o.TestIdentities}).");
        if (o.AugmentedViews is < 0 or > 16) e.AddError($"AugmentedViews must lie in [0, 16] (got {o.AugmentedViews}).");
        if (o.TransferSteps < 1) e.AddError($"TransferSteps must be at least 1 (got {o.TransferSteps}).");
        if (!(o.TransferLearningRate > 0) || !(o.PretrainLearningRate > 0)) e.AddError("Learning rates must be positive.");
        if (o.TransferBatchSize < 1 || o.PretrainBatchSize < 1) e.AddError("Batch sizes must be positive.");
        if (o.Reduction < 1) e.AddError($"Reduction must be at least 1 (got {o.Reduction}).");
        if (o.MorphLevels < 3) e.AddError($"MorphLevels must be at least 3 (got {o.MorphLevels}).");
        if (o.Occlusions is null || o.Occlusions.Count == 0) e.AddError("Occlusions must list at least one condition (None for the canonical morph).");
        if (!Enum.IsDefined(o.CurveFit)) e.AddError($"CurveFit must be LeastSquares or MaximumLikelihood (got {(int)o.CurveFit}).");
        if (o.ProbeFolds < 2) e.AddError($"ProbeFolds must be at least 2 (got {o.ProbeFolds}).");
        if (o.ProbeFolds > o.TransferIdentities) e.AddError($"ProbeFolds ({o.ProbeFolds}) cannot exceed TransferIdentities ({o.TransferIdentities}): folds are grouped by identity.");
        return e.Build();
    }
}
