using BilateralNeuro.Data;

namespace BilateralNeuro.Bilateral;

/// <summary>The label level a hemisphere specialises in.</summary>
public enum LabelLevel
{
    /// <summary>Specific labels (CIFAR-100's 100 classes); the paper's left hemisphere.</summary>
    Fine,
    /// <summary>General labels (CIFAR-100's 20 superclasses); the paper's right hemisphere.</summary>
    Coarse,
}

/// <summary>Conversions between <see cref="LabelLevel"/> and the data's label-level names.</summary>
public static class LabelLevelExtensions
{
    /// <summary>The data's label-level name: <c>fine</c> or <c>coarse</c>.</summary>
    public static string Key(this LabelLevel level) => level switch
    {
        LabelLevel.Fine => LabelLevels.Fine,
        LabelLevel.Coarse => LabelLevels.Coarse,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown label level."),
    };
}
