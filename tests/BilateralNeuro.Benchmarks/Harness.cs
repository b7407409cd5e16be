using System.Diagnostics;

namespace BilateralNeuro.Benchmarks;

/// <summary>One row: ours against a baseline measured in the same run.</summary>
/// <param name="Group">Table section: "library", "convolution (vs PyTorch)", "matmul-bound (vs PyTorch)", "algorithm", "memory".</param>
/// <param name="Gflops">Achieved GFLOP/s of ours, counted from layer shapes (null when not meaningful).</param>
/// <param name="RssMb">Peak RSS ours added during the case (MB), and the baseline's when it was measured.</param>
public sealed record CaseResult(string Case, double Ours, double Baseline, string Unit, string Note, double? Target = null, bool HigherIsBetter = false)
{
    public string Group { get; init; } = "library";
    public double? Gflops { get; init; }
    public double? RssMb { get; init; }
    public double? BaselineRssMb { get; init; }

    /// <summary>Baseline time / ours (for times) or ours / baseline (for rates): above 1 means ours is better.</summary>
    public double Ratio => HigherIsBetter ? Ours / Baseline : Baseline / Ours;
    public bool? Met => Target is null ? null : Ratio >= Target;
}

public static class Harness
{
    /// <summary>
    /// Runs two actions alternately (A B B A A B ...) after warm-up and returns the median seconds of each, so slow
    /// drift of a shared machine hits both equally.
    /// </summary>
    public static (double A, double B) Interleaved(Action a, Action b, int warmup, int repeats)
    {
        var m = Rotated([() => Time(a), () => Time(b)], warmup, repeats);
        return (m[0], m[1]);
    }

    /// <summary>
    /// Runs timed blocks (each returns its own seconds) in rotating order, warm-up first, and returns the median of each.
    /// Used with a peer whose block time it measures itself.
    /// </summary>
    public static double[] Rotated(IReadOnlyList<Func<double>> blocks, int warmup, int repeats)
    {
        for (int i = 0; i < warmup; i++) foreach (var b in blocks) b();
        var times = blocks.Select(_ => new List<double>()).ToArray();
        int n = blocks.Count;
        for (int r = 0; r < repeats; r++)
        {
            var order = Enumerable.Range(0, n).Select(j => (j + r / 2) % n).ToList();
            if (r % 2 == 1) order.Reverse();
            foreach (int k in order) times[k].Add(blocks[k]());
        }
        return times.Select(Median).ToArray();
    }

    public static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }

    public static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : 0.5 * (s[s.Count / 2 - 1] + s[s.Count / 2]);
    }

    public static void Print(IEnumerable<CaseResult> rows, double matmulGflops, TextWriter w)
    {
        foreach (var group in rows.GroupBy(r => r.Group))
        {
            w.WriteLine();
            w.WriteLine($"**{group.Key}**");
            w.WriteLine();
            w.WriteLine("| case | ours | baseline | unit | ratio (>1 = ours better) | target | met | GFLOP/s (of matmul) | peak RSS MB ours / baseline | note |");
            w.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in group)
            {
                string gf = r.Gflops is { } g ? $"{g:F1} ({g / matmulGflops:P0})" : "-";
                string rss = r.RssMb is { } m ? $"{m:F0}" + (r.BaselineRssMb is { } b ? $" / {b:F0}" : "") : "-";
                w.WriteLine($"| {r.Case} | {r.Ours:G4} | {r.Baseline:G4} | {r.Unit} | {r.Ratio:F3} | {(r.Target is null ? "-" : "≥ " + r.Target)} | {(r.Met is null ? "-" : r.Met.Value ? "yes" : "NO")} | {gf} | {rss} | {r.Note} |");
            }
        }
    }
}
