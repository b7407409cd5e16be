using BilateralNeuro.Bilateral;

namespace BilateralNeuro.Beyond;

/// <summary>Kind of stage-1 objective of a hemisphere.</summary>
public enum ObjectiveKind
{
    /// <summary>Cross-entropy on one label level (the paper's specialisation).</summary>
    Classification,
    /// <summary>Self-supervised: reconstruct the (normalised) image from the features through a linear decoder (MSE).</summary>
    Reconstruction,
    /// <summary>
    /// Self-supervised: a SimCLR-style contrastive loss (NT-Xent, temperature <see cref="HemisphereObjective.Temperature"/>)
    /// between the features of two random shift-and-noise views of every image.
    /// </summary>
    Contrastive,
}

/// <summary>What a hemisphere learns in stage 1: a label level, or a self-supervised objective that needs no labels.</summary>
/// <param name="Kind">Objective kind.</param>
/// <param name="Level">The label level of a classification objective (null otherwise).</param>
/// <param name="Temperature">Temperature of the contrastive loss.</param>
public sealed record HemisphereObjective(ObjectiveKind Kind, LabelLevel? Level = null, double Temperature = 0.5)
{
    /// <summary>Cross-entropy on <paramref name="level"/>.</summary>
    public static HemisphereObjective Classify(LabelLevel level) => new(ObjectiveKind.Classification, level);
    /// <summary>Linear reconstruction of the image (no labels).</summary>
    public static HemisphereObjective Reconstruct() => new(ObjectiveKind.Reconstruction);
    /// <summary>Contrastive loss between two augmented views (no labels).</summary>
    public static HemisphereObjective Contrast(double temperature = 0.5) => new(ObjectiveKind.Contrastive, null, temperature);

    /// <summary>Whether the objective uses labels.</summary>
    public bool UsesLabels => Kind == ObjectiveKind.Classification;

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ObjectiveKind.Classification => Level!.Value.Key(),
        ObjectiveKind.Reconstruction => "reconstruction",
        _ => $"contrastive (T={Temperature:G3})",
    };
}
