using BilateralNeuro.Data;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral.Training;

/// <summary>
/// Chooses ensemble members by VALIDATION accuracy: the top k of N trained members. The test set is never an input,
/// so it cannot leak into the choice (the paper's code ranked members on the test set).
/// </summary>
public static class EnsembleSelection
{
    /// <summary>Indices of the <paramref name="k"/> best members by <paramref name="metric"/> on <paramref name="validation"/>, best first (ties: lower index).</summary>
    public static IReadOnlyList<int> TopK(IReadOnlyList<nn.Module<Tensor, Dictionary<string, Tensor>>> members, BatchSource validation,
        IReadOnlyList<HeadSpec> heads, int k, string? metric = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        var scores = members.Select(m => Trainer.Evaluate(m, validation, heads)[metric ?? $"{heads[0].Output}/accuracy"]).ToList();
        return TopK(scores, k);
    }

    /// <summary>Indices of the <paramref name="k"/> highest scores, best first (ties: lower index).</summary>
    public static IReadOnlyList<int> TopK(IReadOnlyList<double> validationScores, int k)
    {
        ArgumentNullException.ThrowIfNull(validationScores);
        if (k < 1 || k > validationScores.Count)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"EnsembleSelection: k must lie in [1, {validationScores.Count}] (the number of members).");
        return validationScores.Select((s, i) => (s, i)).OrderByDescending(t => t.s).ThenBy(t => t.i).Take(k).Select(t => t.i).ToList();
    }
}
