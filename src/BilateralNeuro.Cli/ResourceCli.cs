using System.Globalization;
using BilateralNeuro.Analysis;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>Parsing and statistics of the <c>resources</c> command.</summary>
public static class ResourceCli
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    /// <summary>Parses --grid: quick, full, or points 'b,d,t;b,d,t' (non-negative numbers).</summary>
    /// <exception cref="ArgumentException">One line naming the bad point and what was expected.</exception>
    public static List<Pressure> ParseGrid(string text)
    {
        if (text == "quick") return ResourceExperimentOptions.Quick().Grid;
        if (text == "full") return ResourceExperimentOptions.Full().Grid;
        var points = new List<Pressure>();
        foreach (var point in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var v = point.Split(',').Select(x => double.TryParse(x.Trim(), NumberStyles.Float, Ic, out var d) && double.IsFinite(d) && d >= 0 ? d : double.NaN).ToArray();
            if (v.Length != 3 || v.Any(double.IsNaN))
                throw new ArgumentException($"--grid: '{point}' is not a pressure point; expected quick, full or 'breadth,depth,time;...' with three non-negative numbers per point.");
            points.Add(new Pressure(v[0], v[1], v[2]));
        }
        if (points.Count == 0) throw new ArgumentException("--grid: no pressure point; expected quick, full or 'breadth,depth,time;...'.");
        if (points.Distinct().Count() != points.Count) throw new ArgumentException("--grid: a pressure point appears twice; points must be distinct.");
        return points;
    }

    /// <summary>Parses --window LAYERS,CHANNELS,STEPS (positive whole numbers).</summary>
    /// <exception cref="ArgumentException">One line naming what was wrong.</exception>
    public static (int Layers, int Channels, int Steps) ParseWindow(string text)
    {
        var v = text.Split(',').Select(x => int.TryParse(x.Trim(), NumberStyles.Integer, Ic, out var n) && n > 0 ? n : -1).ToArray();
        if (v.Length != 3 || v.Any(n => n < 1))
            throw new ArgumentException($"--window: '{text}' is not a window; expected LAYERS,CHANNELS,STEPS as three positive whole numbers, e.g. 6,32,8.");
        return (v[0], v[1], v[2]);
    }

    /// <summary>Parses a comma-separated list of distinct whole numbers in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="ArgumentException">One line naming the option and what was expected.</exception>
    public static List<int> ParseCounts(string option, string text, int min, int max)
    {
        var v = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => int.TryParse(x, NumberStyles.Integer, Ic, out var n) && n >= min && n <= max ? n : int.MinValue).ToList();
        if (v.Count == 0 || v.Contains(int.MinValue) || v.Distinct().Count() != v.Count)
            throw new ArgumentException($"{option}: '{text}' is not a list of distinct whole numbers from {min} to {max}, comma-separated.");
        return v;
    }

    /// <summary>The row name of a trade-off point.</summary>
    public static string PressureName(TradeOffRow r) =>
        string.Create(Ic, $"pressure b={r.BreadthPressure:G2} d={r.DepthPressure:G2} t={r.TimePressure:G2}");

    /// <summary>
    /// Accuracy of every pressure point minus the no-pressure point, paired by seed (t and bootstrap CIs, sign test,
    /// t test), Holm-corrected across the points; one line each. Empty when there is no no-pressure point or fewer
    /// than two common seeds.
    /// </summary>
    public static List<string> TradeOffStatistics(IReadOnlyList<(int Seed, TradeOffRow Row)> rows)
    {
        var bySetting = rows.GroupBy(r => PressureName(r.Row)).ToDictionary(g => g.Key,
            g => (IReadOnlyDictionary<int, double>)g.ToDictionary(x => x.Seed, x => x.Row.Accuracy * 100));
        var reference = rows.Select(r => r.Row).FirstOrDefault(r => r.BreadthPressure == 0 && r.DepthPressure == 0 && r.TimePressure == 0);
        if (reference is null) return [];
        var refName = PressureName(reference);
        var refSeeds = bySetting[refName].Keys.ToHashSet();
        var common = bySetting.Where(kv => kv.Key == refName || kv.Value.Keys.ToHashSet().SetEquals(refSeeds)).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (refSeeds.Count < 2 || common.Count < 2) return [];
        var compared = Statistics.CompareAll(common, refName);
        return compared.Select(c => $"accuracy (points), seeds {string.Join(",", refSeeds.Order())}: {c}").ToList();
    }
}
