namespace BilateralNeuro.Bilateral.Training;

/// <summary>
/// Which training protocol the bilateral comparison follows. Both select every model on a validation split of the
/// training set (never the test set). docs/bilateral.md tabulates every setting of both with the original code's
/// file and line.
/// </summary>
public enum TrainingProtocol
{
    /// <summary>
    /// The library's protocol: baselines and ensemble members with weight decay 1e-3 (as stage 1), stage 2 on cached,
    /// unaugmented features of the frozen hemispheres in evaluation mode, selection on fine accuracy, ensembles of the
    /// top k of N by validation accuracy averaging probabilities, batch-norm momentum 0.1.
    /// </summary>
    Clean,

    /// <summary>
    /// The original code's protocol (Cerenaut/bilateral-brain @214b251) where it is practical: baselines and ensemble
    /// members with weight decay 1e-5, stage 2 on augmented images through the frozen hemispheres with their batch norm
    /// in training mode (running statistics move), selection on fine + coarse validation accuracy, ensembles of the
    /// first k members in training order (no ranking) averaging logits, batch-norm momentum 0.9 (PyTorch convention) in
    /// the ResNet-9 hemispheres (the original ResNet-18/34 keep PyTorch's 0.1), validation every 2 epochs.
    /// </summary>
    Original,
}

/// <summary>Parsing and naming of <see cref="TrainingProtocol"/> values (<c>clean</c>, <c>original</c>).</summary>
public static class TrainingProtocols
{
    /// <summary>Validation metric of the original protocol: fine plus coarse accuracy (supervised_dual_head.py:163).</summary>
    public const string FinePlusCoarse = "fine/accuracy+coarse/accuracy";

    /// <summary>Batch-norm momentum of the original ResNets (PyTorch convention: new = 0.1 old + 0.9 batch).</summary>
    public const double OriginalBatchNormMomentum = 0.9;

    /// <summary>PyTorch's default batch-norm momentum.</summary>
    public const double DefaultBatchNormMomentum = 0.1;

    /// <summary>Weight decay of the original baselines and ensemble members (config_unilateral_nspecialized.yaml:32).</summary>
    public const double OriginalBaselineWeightDecay = 1e-5;

    /// <summary>
    /// Epochs between validations in the original code: <c>check_val_every_n_epoch: 2</c> in every config (stage 1
    /// config_unilateral_specialize.yaml:12, stage 2 config_bilateral_specialized.yaml:12, baselines
    /// config_unilateral_nspecialized.yaml:12 and config_bilateral_nspecialized.yaml:12, ensemble members
    /// config_ensemble.yaml:12); only validated epochs can be selected (<see cref="BilateralNeuro.Training.TrainerOptions.ValidateEvery"/>).
    /// </summary>
    public const int OriginalValidateEvery = 2;

    /// <summary>Lower-case name (<c>clean</c>, <c>original</c>).</summary>
    public static string Name(this TrainingProtocol protocol) => protocol.ToString().ToLowerInvariant();

    /// <summary>Parses <c>clean</c> or <c>original</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Anything else; the message names the expected values.</exception>
    public static TrainingProtocol Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "clean" => TrainingProtocol.Clean,
        "original" => TrainingProtocol.Original,
        _ => throw new ArgumentException($"protocol: '{text}' is not a protocol; expected clean or original."),
    };

    /// <summary>The batch-norm momentum of <paramref name="protocol"/>.</summary>
    public static double BatchNormMomentum(this TrainingProtocol protocol) =>
        protocol == TrainingProtocol.Original ? OriginalBatchNormMomentum : DefaultBatchNormMomentum;

    /// <summary>How ensembles combine their members under <paramref name="protocol"/> (original: logits, models/macro.py:211-212).</summary>
    public static EnsembleCombine Combine(this TrainingProtocol protocol, EnsembleCombine clean) =>
        protocol == TrainingProtocol.Original ? EnsembleCombine.Logits : clean;
}
