using BilateralNeuro.Cli;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Experiments;

/// <summary>The <c>resources</c> command's grid, window, parts and shards, its statistics lines and its iso-accuracy chart.</summary>
public sealed class ResourceCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-rescli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ExperimentPlan Plan(params string[] args) => ExperimentRunner.Resolve(CliApp.Build().Parse(args)).Plan;

    [Fact]
    public void Grid_full_is_the_27_point_grid_and_explicit_points_parse()
    {
        ResourceCli.ParseGrid("full").Should().HaveCount(27).And.OnlyHaveUniqueItems();
        ResourceCli.ParseGrid("quick").Should().HaveCount(5);
        ResourceCli.ParseGrid("0,0,0; 0.1,0,0.2").Should().Equal(new Pressure(0, 0, 0), new Pressure(0.1, 0, 0.2));
    }

    [Theory]
    [InlineData("0,0")]
    [InlineData("a,b,c")]
    [InlineData("0,-1,0")]
    [InlineData("0,0,0;0,0,0")]
    public void A_bad_grid_is_one_message_naming_the_option(string grid) =>
        FluentActions.Invoking(() => ResourceCli.ParseGrid(grid)).Should().Throw<ArgumentException>().WithMessage("--grid:*");

    [Fact]
    public void Window_parses_three_positive_numbers_and_refuses_anything_else()
    {
        ResourceCli.ParseWindow("6,32,8").Should().Be((6, 32, 8));
        FluentActions.Invoking(() => ResourceCli.ParseWindow("6,32")).Should().Throw<ArgumentException>().WithMessage("--window:*");
        FluentActions.Invoking(() => ResourceCli.ParseWindow("6,0,8")).Should().Throw<ArgumentException>().WithMessage("--window:*");
    }

    [Fact]
    public void The_default_run_has_three_seeds_and_the_full_grid_shards_into_disjoint_units()
    {
        var quick = Plan("resources", "--out", dir);
        quick.Units.Should().HaveCount(3 * (5 + 1), "quick: seeds 1,2,3 x (5 pressure points + occlusion)");
        quick.Units.Select(u => u.Split(' ')[1]).Distinct().Should().Equal("1", "2", "3");

        var all = Plan("resources", "--grid", "full", "--parts", "tradeoff,growth", "--seeds", "2", "--out", dir).Units;
        all.Should().HaveCount(2 * (27 + 4), "27 grid points and the quick preset's 4 growth tasks per seed");
        var shards = Enumerable.Range(1, 3).SelectMany(i => Plan("resources", "--grid", "full", "--parts", "tradeoff,growth", "--seeds", "2", "--shard", $"{i}/3", "--out", dir).Units).ToList();
        shards.Should().BeEquivalentTo(all).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public void Bad_parts_and_windows_are_refused_at_planning()
    {
        FluentActions.Invoking(() => Plan("resources", "--parts", "tradeoff,speed", "--out", dir)).Should().Throw<ArgumentException>().WithMessage("--parts: 'speed'*");
        FluentActions.Invoking(() => Plan("resources", "--window", "4,x,4", "--out", dir)).Should().Throw<ArgumentException>().WithMessage("--window:*");
    }

    private static TradeOffRow Row(double b, double acc, int breadth = 40) => new(b, 0, 0, acc, acc, breadth, 4, 4, 4, "10-10-10-10", 1000, 900, 1);

    [Fact]
    public void Trade_off_statistics_pair_each_point_with_no_pressure_by_seed_and_holm_correct()
    {
        var rows = new List<(int, TradeOffRow)>();
        foreach (int seed in new[] { 1, 2, 3, 4 })
        {
            rows.Add((seed, Row(0, 0.80 + 0.01 * seed)));
            rows.Add((seed, Row(0.1, 0.60 + 0.01 * seed + 0.002 * (seed % 2))));   // about 20 points lower in every seed
            rows.Add((seed, Row(0.2, 0.80 + 0.01 * seed + (seed % 2 == 0 ? 0.01 : -0.01))));   // no consistent difference
        }
        var lines = ResourceCli.TradeOffStatistics(rows);
        lines.Should().HaveCount(2);
        lines[0].Should().Contain("b=0.1").And.Contain("-19.").And.Contain("0/4 wins");
        lines.Should().AllSatisfy(l => l.Should().Contain("Holm p").And.Contain("seeds 1,2,3,4"));
        lines[1].Should().Contain("b=0.2").And.Contain("2/4 wins");
        ResourceCli.TradeOffStatistics(rows.Where(r => r.Item2.BreadthPressure > 0).ToList()).Should().BeEmpty("no no-pressure point to compare with");
    }

    [Fact]
    public void The_iso_accuracy_chart_is_written()
    {
        var path = Path.Combine(dir, "iso.png");
        Charts.IsoAccuracy(path, "test", [(48, 4, 4, 80), (30, 4, 1, 81), (20, 3, 4, 62), (10, 2, 1, 60)], 4, 48, 4);
        new FileInfo(path).Length.Should().BeGreaterThan(1000);
        File.ReadAllBytes(path).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
    }
}
