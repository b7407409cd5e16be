using BilateralNeuro.Reporting;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Reporting;

public class ResultTableSeedsTests
{
    private static ResultTable AggregatedTable()
    {
        // One row per (model, condition) holding means over 3 seeds, as the synchrony experiment writes its table.
        var table = new ResultTable("synchrony") { SeedsPerRow = 3 };
        table.Add("KomplexNet", "overlap 0", 0, new Dictionary<string, double> { ["exact match accuracy"] = 0.06, ["exact match sd over seeds"] = 0.024 });
        table.PercentMetrics.Add("exact match sd over seeds");
        return table;
    }

    [Fact]
    public void Aggregated_rows_show_the_seeds_behind_them_and_their_percent_columns()
    {
        var md = AggregatedTable().ToMarkdown();
        md.Should().Contain("| KomplexNet | overlap 0 | 3 | 6.00 | 2.40 |");
        md.Should().Contain("exact match sd over seeds (%)");
    }

    [Fact]
    public void The_run_record_keeps_seeds_per_row_and_percent_metrics_through_results_json()
    {
        var table = AggregatedTable();
        var dir = Directory.CreateTempSubdirectory("result-table-seeds-").FullName;
        try
        {
            new RunRecord
            {
                Experiment = "synchrony", Command = "test", Rows = table.Rows,
                PercentMetrics = table.PercentMetrics.ToList(), SeedsPerRow = table.SeedsPerRow,
            }.Write(dir);
            File.ReadAllText(Path.Combine(dir, "report.md")).Should().Contain("| KomplexNet | overlap 0 | 3 | 6.00 | 2.40 |");
            var loaded = RunRecord.Load(Path.Combine(dir, "results.json"));
            loaded.Table.ToMarkdown().Should().Be(table.ToMarkdown());
            ResultTable.Merge([loaded.Table]).SeedsPerRow.Should().Be(3);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Rows_of_one_seed_each_still_count_their_seeds()
    {
        var table = new ResultTable("bilateral");
        foreach (int seed in new[] { 0, 1 })
            table.Add("Bilateral", "-", seed, new Dictionary<string, double> { ["fine accuracy"] = 0.5 + seed * 0.1 });
        table.ToMarkdown().Should().Contain("| Bilateral | 2 | 55.00 ± 7.07 |");
    }
}
