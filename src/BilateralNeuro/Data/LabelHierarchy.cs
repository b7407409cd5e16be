using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>A map from specific (fine) classes to general (coarse) classes, with names.</summary>
public sealed class LabelHierarchy
{
    private readonly int[] map;

    /// <summary>Creates a hierarchy; <paramref name="fineToCoarse"/>[f] is the coarse class of fine class f.</summary>
    public LabelHierarchy(IReadOnlyList<int> fineToCoarse, IReadOnlyList<string> fineNames, IReadOnlyList<string> coarseNames)
    {
        if (fineToCoarse.Count != fineNames.Count)
            throw new ArgumentException($"{nameof(LabelHierarchy)}: {fineToCoarse.Count} map entries for {fineNames.Count} fine names.", nameof(fineNames));
        if (fineToCoarse.Any(c => c < 0 || c >= coarseNames.Count))
            throw new ArgumentException($"{nameof(LabelHierarchy)}: map values must lie in [0, {coarseNames.Count}).", nameof(fineToCoarse));
        map = fineToCoarse.ToArray();
        FineNames = fineNames;
        CoarseNames = coarseNames;
    }

    /// <summary>Fine class names.</summary>
    public IReadOnlyList<string> FineNames { get; }
    /// <summary>Coarse class names.</summary>
    public IReadOnlyList<string> CoarseNames { get; }
    /// <summary>Coarse class of each fine class.</summary>
    public IReadOnlyList<int> FineToCoarse => map;

    /// <summary>Returns the set with a "coarse" level computed from its "fine" level (and names for both).</summary>
    /// <exception cref="ArgumentException">The set has no "fine" level, or a fine label lies outside the table.</exception>
    public LabeledImages Apply(LabeledImages data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.Labels.TryGetValue(LabelLevels.Fine, out var fine))
            throw new ArgumentException($"{data.Name}: has no '{LabelLevels.Fine}' labels to map.", nameof(data));
        if (fine.numel() > 0)
        {
            long min = fine.min().item<long>(), max = fine.max().item<long>();
            if (min < 0 || max >= map.Length)
                throw new ArgumentException($"{data.Name}: fine labels range over {min}..{max}, but the hierarchy maps 0..{map.Length - 1}.", nameof(data));
        }
        using var table = torch.tensor(map.Select(v => (long)v).ToArray());
        var coarse = table.index_select(0, fine.to(ScalarType.Int64));
        return data.WithLabels(LabelLevels.Fine, fine, FineNames).WithLabels(LabelLevels.Coarse, coarse, CoarseNames);
    }

    /// <summary>Fashion-MNIST's 10 classes grouped into 4: tops, lower body/dress, footwear, bags.</summary>
    public static LabelHierarchy FashionMnist { get; } = new(
        [0, 1, 0, 1, 0, 2, 0, 2, 3, 2],
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        ["tops", "lower/dress", "footwear", "bags"]);
}
