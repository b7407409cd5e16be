using System.Globalization;
using System.Text;
using BilateralNeuro.Core;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>One pair of same-label test images and their cosine similarities in three feature spaces.</summary>
/// <param name="Group">Correctness group of both images, e.g. <c>L+R-B+</c> (left right, right wrong, bilateral right).</param>
/// <param name="Label">The shared label.</param>
/// <param name="First">Index of the first image.</param>
/// <param name="Second">Index of the second image.</param>
/// <param name="Left">Cosine similarity of the left hemisphere's features.</param>
/// <param name="Right">Cosine similarity of the right hemisphere's features.</param>
/// <param name="Concatenated">Cosine similarity of the concatenated features.</param>
/// <param name="BilateralCorrect">Whether the bilateral network classified both images correctly.</param>
public sealed record SimilarityPair(string Group, long Label, long First, long Second, double Left, double Right, double Concatenated, bool BilateralCorrect);

/// <summary>Mean similarities of one correctness group.</summary>
public sealed record SimilarityGroup(string Group, int Images, int Pairs, double Left, double Right, double Concatenated);

/// <summary>
/// The bilateral paper's feature-similarity analysis: test images are grouped by which of left, right and bilateral
/// classified them correctly (8 groups); within a group, pairs of images with the same label are compared by cosine
/// similarity in the left, right and concatenated feature spaces. Output: pairs (CSV), group means, and a scatter
/// plot (x left, y right, green where the bilateral network is right, red where it is wrong).
/// </summary>
public static class FeatureSimilarity
{
    /// <summary>Computes up to <paramref name="pairsPerGroup"/> seeded random same-label pairs per group.</summary>
    /// <param name="left">Left features (N, L).</param>
    /// <param name="right">Right features (N, R).</param>
    /// <param name="labels">Labels defining "same label" (N).</param>
    /// <param name="leftCorrect">Left hemisphere correct (bool, N).</param>
    /// <param name="rightCorrect">Right hemisphere correct (bool, N).</param>
    /// <param name="bilateralCorrect">Bilateral network correct (bool, N).</param>
    /// <param name="pairsPerGroup">Maximum pairs per group.</param>
    /// <param name="seed">Seed of the pair sampling.</param>
    public static IReadOnlyList<SimilarityPair> Compute(Tensor left, Tensor right, Tensor labels, Tensor leftCorrect, Tensor rightCorrect,
        Tensor bilateralCorrect, int pairsPerGroup = 500, int seed = 0)
    {
        Guard.Rank(left, 2, nameof(FeatureSimilarity), nameof(left));
        Guard.Rank(right, 2, nameof(FeatureSimilarity), nameof(right));
        long n = left.shape[0];
        foreach (var (t, name) in new[] { (right, nameof(right)), (labels, nameof(labels)), (leftCorrect, nameof(leftCorrect)), (rightCorrect, nameof(rightCorrect)), (bilateralCorrect, nameof(bilateralCorrect)) })
            if (t.shape[0] != n) throw new ArgumentException($"FeatureSimilarity: {name} has {t.shape[0]} rows, expected {n} (one per image).", name);
        if (pairsPerGroup < 1) throw new ArgumentOutOfRangeException(nameof(pairsPerGroup), pairsPerGroup, "FeatureSimilarity: at least one pair per group.");
        using var scope = NewDisposeScope();
        var l = nn.functional.normalize(left.detach().cpu().to(ScalarType.Float64), dim: 1);
        var r = nn.functional.normalize(right.detach().cpu().to(ScalarType.Float64), dim: 1);
        var c = nn.functional.normalize(cat([left.detach().cpu(), right.detach().cpu()], 1).to(ScalarType.Float64), dim: 1);
        var lab = labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        bool[] Bools(Tensor t) => t.cpu().to(ScalarType.Bool).data<bool>().ToArray();
        var lc = Bools(leftCorrect);
        var rc = Bools(rightCorrect);
        var bc = Bools(bilateralCorrect);
        var rng = new Random(seed);
        var pairs = new List<(string Group, long I, long J)>();
        foreach (var group in Enumerable.Range(0, (int)n).GroupBy(i => GroupName(lc[i], rc[i], bc[i])).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var candidates = new List<(long, long)>();
            foreach (var byLabel in group.GroupBy(i => lab[i]))
            {
                var idx = byLabel.ToArray();
                for (int a = 0; a < idx.Length; a++)
                    for (int b = a + 1; b < idx.Length; b++) candidates.Add((idx[a], idx[b]));
            }
            var chosen = candidates.ToArray();
            rng.Shuffle(chosen);
            pairs.AddRange(chosen.Take(pairsPerGroup).OrderBy(p => p.Item1).ThenBy(p => p.Item2).Select(p => (group.Key, p.Item1, p.Item2)));
        }
        if (pairs.Count == 0) return [];
        var first = tensor(pairs.Select(p => p.I).ToArray());
        var second = tensor(pairs.Select(p => p.J).ToArray());
        double[] Cos(Tensor f) => (f.index_select(0, first) * f.index_select(0, second)).sum(1).data<double>().ToArray();
        var cl = Cos(l);
        var cr = Cos(r);
        var cc = Cos(c);
        return pairs.Select((p, k) => new SimilarityPair(p.Group, lab[p.I], p.I, p.J, cl[k], cr[k], cc[k], bc[p.I])).ToList();
    }

    /// <summary>Group name, e.g. <c>L+R-B+</c>.</summary>
    public static string GroupName(bool left, bool right, bool bilateral) => $"L{(left ? '+' : '-')}R{(right ? '+' : '-')}B{(bilateral ? '+' : '-')}";

    /// <summary>Mean similarities per group.</summary>
    public static IReadOnlyList<SimilarityGroup> Summarize(IReadOnlyList<SimilarityPair> pairs) => pairs
        .GroupBy(p => p.Group)
        .Select(g => new SimilarityGroup(g.Key, g.SelectMany(p => new[] { p.First, p.Second }).Distinct().Count(), g.Count(),
            g.Average(p => p.Left), g.Average(p => p.Right), g.Average(p => p.Concatenated)))
        .OrderBy(g => g.Group, StringComparer.Ordinal).ToList();

    /// <summary>The pairs as CSV (invariant culture).</summary>
    public static string ToCsv(IReadOnlyList<SimilarityPair> pairs)
    {
        var sb = new StringBuilder("group,label,first,second,cos_left,cos_right,cos_concatenated,bilateral_correct\n");
        foreach (var p in pairs)
            sb.Append(CultureInfo.InvariantCulture, $"{p.Group},{p.Label},{p.First},{p.Second},{p.Left:R},{p.Right:R},{p.Concatenated:R},{(p.BilateralCorrect ? 1 : 0)}\n");
        return sb.ToString();
    }

    /// <summary>Writes the CSV atomically.</summary>
    public static void WriteCsv(string path, IReadOnlyList<SimilarityPair> pairs) => AtomicFile.WriteText(path, ToCsv(pairs));

    /// <summary>
    /// Writes a scatter plot PNG (size x size): x = left cosine, y = right cosine, both over [-1, 1], grey axes at 0,
    /// green dots where the bilateral network is right, red where it is wrong.
    /// </summary>
    public static void WriteScatter(string path, IReadOnlyList<SimilarityPair> pairs, int size = 256)
    {
        var px = new byte[3 * size * size];
        Array.Fill(px, (byte)255);
        void Set(int x, int y, byte r, byte g, byte b)
        {
            if (x < 0 || y < 0 || x >= size || y >= size) return;
            int o = (y * size + x) * 3;
            px[o] = r; px[o + 1] = g; px[o + 2] = b;
        }
        int P(double v) => (int)Math.Round((Math.Clamp(v, -1, 1) + 1) / 2 * (size - 1));
        for (int k = 0; k < size; k++) { Set(P(0), k, 200, 200, 200); Set(k, P(0), 200, 200, 200); }
        foreach (var p in pairs.OrderBy(p => p.BilateralCorrect))
        {
            int x = P(p.Left), y = size - 1 - P(p.Right);
            for (int dx = -1; dx <= 1; dx++)
                for (int dy = -1; dy <= 1; dy++)
                    if (p.BilateralCorrect) Set(x + dx, y + dy, 30, 160, 60); else Set(x + dx, y + dy, 210, 40, 40);
        }
        AtomicFile.Write(path, s => PngWriter.Encode(s, px, size, size, 3));
    }
}
