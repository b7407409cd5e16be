using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Bilateral;

/// <summary>One output head: a name (also the label level it predicts) and its number of classes.</summary>
/// <param name="Name">Output key and label level, e.g. <c>fine</c>.</param>
/// <param name="Classes">Number of classes.</param>
public sealed record HeadDefinition(string Name, int Classes);

/// <summary>Options of the heads of a <see cref="BilateralNetwork"/>; defaults are the paper's (CIFAR-100).</summary>
public sealed class BilateralOptions
{
    /// <summary>Output heads in order; default fine (100) and coarse (20).</summary>
    public List<HeadDefinition> Heads { get; set; } = [new("fine", 100), new("coarse", 20)];
    /// <summary>Dropout on the concatenated features before the heads (paper: 0.6).</summary>
    public double Dropout { get; set; } = 0.6;
    /// <summary>
    /// Extension (default off): each head learns softmax weights over the two hemispheres and scales their features
    /// by them (initialised equal, which reproduces the plain concatenation).
    /// </summary>
    public bool Gated { get; set; }
}

/// <summary>Validates <see cref="BilateralOptions"/>, listing every problem.</summary>
public sealed class BilateralOptionsValidator : IValidateOptions<BilateralOptions>
{
    /// <summary>Output names reserved for the hemisphere features.</summary>
    public static readonly IReadOnlyList<string> Reserved = [BilateralNetwork.LeftFeatures, BilateralNetwork.RightFeatures, UnilateralNetwork.FeaturesOutput];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BilateralOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new ValidateOptionsResultBuilder();
        if (!(o.Dropout >= 0 && o.Dropout < 1)) errors.AddError($"Heads: Dropout must lie in [0, 1) (got {o.Dropout}).");
        if (o.Heads is null || o.Heads.Count == 0) { errors.AddError("Heads: at least one head is required, e.g. Heads(fine: 100, coarse: 20)."); return errors.Build(); }
        foreach (var h in o.Heads)
        {
            if (string.IsNullOrWhiteSpace(h.Name)) errors.AddError("Heads: a head has an empty name.");
            else if (Reserved.Contains(h.Name)) errors.AddError($"Heads: '{h.Name}' is reserved for features; choose another head name.");
            if (h.Classes < 2) errors.AddError($"Heads: head '{h.Name}' needs at least 2 classes (got {h.Classes}).");
        }
        foreach (var g in o.Heads.GroupBy(h => h.Name).Where(g => g.Count() > 1))
            errors.AddError($"Heads: head name '{g.Key}' is used {g.Count()} times.");
        return errors.Build();
    }
}
