using System.Globalization;
using System.Text;

namespace BilateralNeuro.Reporting;

/// <summary>One measured row: a model under a condition with one seed.</summary>
/// <param name="Model">Model name, e.g. "bilateral (specialized)".</param>
/// <param name="Condition">Condition, e.g. "overlap 0.25" or "-".</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Metrics">Named numbers, e.g. "fine accuracy", "parameters".</param>
public sealed record ResultRow(string Model, string Condition, int Seed, IReadOnlyDictionary<string, double> Metrics);

/// <summary>Mean and sample standard deviation of one metric over seeds.</summary>
public sealed record Statistic(double Mean, double Std, int Count)
{
    /// <summary>Formats as <c>mean ± std</c> (percent when <paramref name="percent"/>).</summary>
    public string Format(bool percent) => percent
        ? Count > 1 ? $"{Mean * 100:F2} ± {Std * 100:F2}" : $"{Mean * 100:F2}"
        : IsWhole(Mean) && Std == 0 ? Mean.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
        : Count > 1 ? $"{Mean:G4} ± {Std:G3}" : $"{Mean:G4}";

    private static bool IsWhole(double v) => Math.Abs(v) < 1e15 && v == Math.Floor(v);
}

/// <summary>One aggregated row: a model under a condition over all seeds.</summary>
public sealed record SummaryRow(string Model, string Condition, IReadOnlyList<int> Seeds, IReadOnlyDictionary<string, Statistic> Metrics);

/// <summary>
/// Rows of an experiment, mergeable across seeds and shards, summarised as mean ± std and rendered as Markdown or CSV.
/// Metric names ending in "accuracy" (or listed in <see cref="PercentMetrics"/>) are shown as percentages.
/// </summary>
public sealed class ResultTable
{
    /// <summary>Creates a table.</summary>
    public ResultTable(string experiment, IEnumerable<ResultRow>? rows = null)
    {
        Experiment = experiment;
        Rows = rows?.ToList() ?? new List<ResultRow>();
    }

    /// <summary>Experiment name.</summary>
    public string Experiment { get; }
    /// <summary>All rows.</summary>
    public List<ResultRow> Rows { get; }
    /// <summary>Extra metric names shown as percentages.</summary>
    public HashSet<string> PercentMetrics { get; } = new();

    /// <summary>
    /// Seeds behind each row when the rows are already aggregates over seeds (one row per (model, condition) holding
    /// means, as the synchrony experiment writes); shown in the Markdown "seeds" column instead of the row count.
    /// Null (default): each row is one seed.
    /// </summary>
    public int? SeedsPerRow { get; set; }

    /// <summary>Metric names in first-seen order.</summary>
    public IReadOnlyList<string> MetricNames => Rows.SelectMany(r => r.Metrics.Keys).Distinct().ToList();

    /// <summary>Adds a row.</summary>
    public void Add(string model, string condition, int seed, IReadOnlyDictionary<string, double> metrics) =>
        Rows.Add(new ResultRow(model, condition, seed, metrics));

    /// <summary>Merges tables of the same experiment (seeds, shards); duplicate (model, condition, seed) rows are refused.</summary>
    public static ResultTable Merge(IEnumerable<ResultTable> tables)
    {
        var list = tables.ToList();
        if (list.Count == 0) throw new ArgumentException("Nothing to merge.", nameof(tables));
        var names = list.Select(t => t.Experiment).Distinct().ToList();
        if (names.Count > 1) throw new ArgumentException($"Cannot merge different experiments: {string.Join(", ", names)}.", nameof(tables));
        var merged = new ResultTable(names[0], list.SelectMany(t => t.Rows));
        foreach (var p in list.SelectMany(t => t.PercentMetrics)) merged.PercentMetrics.Add(p);
        var perRow = list.Select(t => t.SeedsPerRow).Distinct().ToList();
        merged.SeedsPerRow = perRow.Count == 1 ? perRow[0] : null;
        var dup = merged.Rows.GroupBy(r => (r.Model, r.Condition, r.Seed)).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Row {dup.Key} appears in more than one input.", nameof(tables));
        return merged;
    }

    /// <summary>Mean and std over seeds per (model, condition), in first-seen order.</summary>
    public IReadOnlyList<SummaryRow> Summarize() => Rows
        .GroupBy(r => (r.Model, r.Condition))
        .Select(g => new SummaryRow(g.Key.Model, g.Key.Condition, g.Select(r => r.Seed).Order().ToList(),
            g.SelectMany(r => r.Metrics.Keys).Distinct().ToDictionary(m => m, m => Stat(g.Where(r => r.Metrics.ContainsKey(m)).Select(r => r.Metrics[m]).ToList()))))
        .ToList();

    /// <summary>The summary as a Markdown table.</summary>
    public string ToMarkdown()
    {
        var summary = Summarize();
        var metrics = MetricNames;
        bool conditions = summary.Any(s => s.Condition != "-");
        var sb = new StringBuilder();
        sb.Append("| model |").Append(conditions ? " condition |" : "").Append(" seeds |");
        foreach (var m in metrics) sb.Append(' ').Append(m).Append(IsPercent(m) ? " (%)" : "").Append(" |");
        sb.AppendLine();
        sb.Append("|---|").Append(conditions ? "---|" : "").Append("---|");
        foreach (var _ in metrics) sb.Append("---|");
        sb.AppendLine();
        foreach (var s in summary)
        {
            sb.Append("| ").Append(s.Model).Append(" |");
            if (conditions) sb.Append(' ').Append(s.Condition).Append(" |");
            sb.Append(' ').Append(SeedsPerRow ?? s.Seeds.Count).Append(" |");
            foreach (var m in metrics) sb.Append(' ').Append(s.Metrics.TryGetValue(m, out var st) ? st.Format(IsPercent(m)) : "-").Append(" |");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>All rows as CSV (model, condition, seed, then one column per metric; invariant culture).</summary>
    public string ToCsv()
    {
        var metrics = MetricNames;
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", new[] { "model", "condition", "seed" }.Concat(metrics).Select(Csv)));
        foreach (var r in Rows)
            sb.AppendLine(string.Join(",", new[] { Csv(r.Model), Csv(r.Condition), r.Seed.ToString(CultureInfo.InvariantCulture) }
                .Concat(metrics.Select(m => r.Metrics.TryGetValue(m, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : ""))));
        return sb.ToString();
    }

    private bool IsPercent(string metric) => PercentMetrics.Contains(metric) || metric.EndsWith("accuracy", StringComparison.OrdinalIgnoreCase);

    private static Statistic Stat(List<double> xs)
    {
        double mean = xs.Average();
        double std = xs.Count > 1 ? Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1)) : 0;
        return new Statistic(mean, std, xs.Count);
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
