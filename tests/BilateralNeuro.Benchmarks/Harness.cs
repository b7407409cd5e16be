using System.Diagnostics;

namespace BilateralNeuro.Benchmarks;

/// <summary>One row: ours against a baseline measured in the same run.</summary>
public sealed record CaseResult(string Case, double Ours, double Baseline, string Unit, string Note, double? Target = null, bool HigherIsBetter = false)
{
    /// <summary>Baseline time / ours (for times) or ours / baseline (for rates): above 1 means ours is better.</summary>
    public double Ratio => HigherIsBetter ? Ours / Baseline : Baseline / Ours;
    public bool? Met => Target is null ? null : Ratio >= Target;
}

public static class Harness
{
    /// <summary>
    /// Runs two actions alternately (A B A B ...) after warm-up and returns the median seconds of each, so slow drift of
    /// a shared machine hits both equally.
    /// </summary>
    public static (double A, double B) Interleaved(Action a, Action b, int warmup, int repeats)
    {
        for (int i = 0; i < warmup; i++) { a(); b(); }
        var ta = new List<double>();
        var tb = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            if (i % 2 == 0) { ta.Add(Time(a)); tb.Add(Time(b)); }
            else { tb.Add(Time(b)); ta.Add(Time(a)); }
        }
        return (Median(ta), Median(tb));
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

    public static void Print(IEnumerable<CaseResult> rows, TextWriter w)
    {
        w.WriteLine("| case | ours | baseline | unit | ratio (>1 = ours better) | target | met | note |");
        w.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            w.WriteLine($"| {r.Case} | {r.Ours:G4} | {r.Baseline:G4} | {r.Unit} | {r.Ratio:F3} | {(r.Target is null ? "-" : "≥ " + r.Target)} | {(r.Met is null ? "-" : r.Met.Value ? "yes" : "NO")} | {r.Note} |");
    }
}
