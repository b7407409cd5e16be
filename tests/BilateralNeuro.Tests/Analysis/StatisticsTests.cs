using BilateralNeuro.Analysis;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Analysis;

/// <summary>
/// <see cref="Statistics"/> and <see cref="StudentT"/> against published table values and independently computed
/// references (Simpson integration of the t density, exact enumeration of a bootstrap distribution, R's p.adjust).
/// </summary>
public sealed class StatisticsTests
{
    [Theory]
    [InlineData(0.975, 1, 12.706204736)]
    [InlineData(0.975, 2, 4.302652730)]
    [InlineData(0.975, 4, 2.776445105)]
    [InlineData(0.975, 9, 2.262157163)]
    [InlineData(0.975, 30, 2.042272456)]
    [InlineData(0.995, 10, 3.169272673)]
    [InlineData(0.95, 2, 2.919985580)]
    [InlineData(0.9, 1, 3.077683537)]
    [InlineData(0.975, 1000, 1.962339)]
    [InlineData(0.025, 4, -2.776445105)]
    [InlineData(0.5, 7, 0)]
    public void T_quantiles_match_table_values(double p, double df, double expected)
    {
        StudentT.Quantile(p, df).Should().BeApproximately(expected, 2e-6);
        if (p != 0.5) StudentT.Cdf(StudentT.Quantile(p, df), df).Should().BeApproximately(p, 1e-12);
    }

    [Fact]
    public void T_distribution_rejects_bad_arguments_with_a_message()
    {
        FluentActions.Invoking(() => StudentT.Quantile(1, 4)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*p must be in (0, 1)*");
        FluentActions.Invoking(() => StudentT.Quantile(0.9, 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*degrees of freedom*");
        StudentT.TwoSidedP(0, 3).Should().BeApproximately(1, 1e-12);
        StudentT.Cdf(-2.776445105, 4).Should().BeApproximately(0.025, 1e-8);
    }

    [Fact]
    public void Sign_test_is_exact_and_two_sided()
    {
        Statistics.SignTest(5, 0).Should().BeApproximately(0.0625, 1e-12);
        Statistics.SignTest(0, 5).Should().BeApproximately(0.0625, 1e-12);
        Statistics.SignTest(4, 1).Should().BeApproximately(0.375, 1e-12);
        Statistics.SignTest(9, 1).Should().BeApproximately(22.0 / 1024, 1e-12);
        Statistics.SignTest(3, 3).Should().Be(1);
        Statistics.SignTest(0, 0).Should().Be(1);
        Statistics.SignTest(10, 0).Should().BeApproximately(2.0 / 1024, 1e-14);
    }

    [Fact]
    public void Holm_matches_R_p_adjust()
    {
        // p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
        Statistics.Holm([0.01, 0.04, 0.03, 0.005]).Should().Equal([0.03, 0.06, 0.06, 0.02], (a, b) => Math.Abs(a - b) < 1e-12);
        // p.adjust(c(0.5, 0.6), "holm") = 1 1 (capped at 1, monotone)
        Statistics.Holm([0.5, 0.6]).Should().Equal(1, 1);
        // NaN rows are left out of m: p.adjust(c(0.01, NA, 0.02), "holm") = 0.02 NA 0.02
        var withNaN = Statistics.Holm([0.01, double.NaN, 0.02]);
        withNaN[0].Should().BeApproximately(0.02, 1e-12);
        double.IsNaN(withNaN[1]).Should().BeTrue();
        withNaN[2].Should().BeApproximately(0.02, 1e-12);
        // p.adjust(c(0.0625, 0.0625, 0.0625, 0.5), "holm") = 0.25 0.25 0.25 0.5
        Statistics.Holm([0.0625, 0.0625, 0.0625, 0.5]).Should().Equal([0.25, 0.25, 0.25, 0.5], (a, b) => Math.Abs(a - b) < 1e-12);
        FluentActions.Invoking(() => Statistics.Holm([0.1, 1.5])).Should().Throw<ArgumentException>().WithMessage("*p[1] is 1.5*");
    }

    [Fact]
    public void Mean_ci_and_one_sample_t_p_match_independent_references()
    {
        var ci = Statistics.MeanCi([1, 2, 3, 4, 5]);
        ci.Mean.Should().Be(3);
        ci.Sd.Should().BeApproximately(1.5811388301, 1e-9);
        ci.Low.Should().BeApproximately(3 - 2.776445105 * 1.5811388301 / Math.Sqrt(5), 1e-7);
        ci.High.Should().BeApproximately(3 + 2.776445105 * 1.5811388301 / Math.Sqrt(5), 1e-7);
        // Simpson integration of the t(4) density: 0.0132355996
        Statistics.OneSampleTP([1, 2, 3, 4, 5]).Should().BeApproximately(0.0132355996, 1e-8);
        var single = Statistics.MeanCi([4]);
        double.IsNaN(single.Low).Should().BeTrue("one seed has no interval");
        FluentActions.Invoking(() => Statistics.MeanCi([])).Should().Throw<ArgumentException>().WithMessage("*no values*");
        FluentActions.Invoking(() => Statistics.MeanCi([1, double.NaN])).Should().Throw<ArgumentException>().WithMessage("*value 1 is NaN*");
    }

    [Fact]
    public void Bootstrap_is_seeded_and_agrees_with_the_exact_bootstrap_distribution()
    {
        // All 5^5 resamples of [1..5] enumerated: the 2.5 % / 97.5 % percentiles of their means are 1.8 and 4.2.
        var (low, high) = Statistics.BootstrapMeanCi([1, 2, 3, 4, 5], seed: 7, resamples: 100_000);
        low.Should().BeApproximately(1.8, 0.05);
        high.Should().BeApproximately(4.2, 0.05);
        Statistics.BootstrapMeanCi([1, 2, 3, 4, 5], seed: 7).Should().Be(Statistics.BootstrapMeanCi([1, 2, 3, 4, 5], seed: 7));
        Statistics.BootstrapMeanCi([2, 2, 2], seed: 1).Should().Be((2.0, 2.0));
        FluentActions.Invoking(() => Statistics.BootstrapMeanCi([1, 2], resamples: 10)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Paired_comparison_by_seed_carries_every_statistic()
    {
        var candidate = new Dictionary<int, double> { [1] = 80, [2] = 82, [3] = 81, [4] = 83, [5] = 85 };
        var reference = new Dictionary<int, double> { [5] = 81, [4] = 80, [3] = 80, [2] = 79, [1] = 78 };   // order does not matter
        var row = Statistics.Paired(candidate, reference, "bilateral - unilateral", bootstrapSeed: 3);
        row.N.Should().Be(5);
        row.Mean.Should().BeApproximately(2.6, 1e-12);   // differences 2, 3, 1, 3, 4
        row.Sd.Should().BeApproximately(1.140175425, 1e-9);
        row.CiLow.Should().BeApproximately(2.6 - 2.776445105 * 1.140175425 / Math.Sqrt(5), 1e-7);
        row.CiHigh.Should().BeApproximately(2.6 + 2.776445105 * 1.140175425 / Math.Sqrt(5), 1e-7);
        row.BootstrapLow.Should().BeInRange(1, 2.6);
        row.BootstrapHigh.Should().BeInRange(2.6, 4);
        (row.Wins, row.Losses, row.Ties).Should().Be((5, 0, 0));
        row.SignP.Should().BeApproximately(0.0625, 1e-12);
        row.TP.Should().BeApproximately(0.0069873747, 1e-8);   // Simpson reference
        double.IsNaN(row.HolmP).Should().BeTrue("not corrected yet");
        row.ToString().Should().StartWith("bilateral - unilateral: +2.60 [+1.18, +4.02] boot [")
            .And.Contain("5/5 wins, sign p 0.0625, t p 0.007").And.EndWith("(n = 5)");
        row.CsvValues().Should().HaveCount(PairedComparison.CsvHeader.Count);

        var other = Statistics.Paired([1.0, -1, 0, 2], [0.0, 0, 0, 0], "other");
        (other.Wins, other.Losses, other.Ties).Should().Be((2, 1, 1));
        other.SignP.Should().Be(1);
        other.ToString().Should().Contain("2/3 wins (1 ties)");

        var table = Statistics.WithHolm([row, other]);
        table[0].HolmP.Should().BeApproximately(Math.Min(1, 2 * row.TP), 1e-12);
        table[1].HolmP.Should().BeApproximately(Math.Max(2 * row.TP, other.TP), 1e-12);
        table[0].ToString().Should().Contain("Holm p");
        Statistics.WithHolm([row, other], HolmBasis.SignTest)[0].HolmP.Should().BeApproximately(0.125, 1e-12);
    }

    [Fact]
    public void A_whole_table_is_compared_with_its_reference_row_and_Holm_corrected()
    {
        var rows = new Dictionary<string, IReadOnlyDictionary<int, double>>
        {
            ["specialised"] = new Dictionary<int, double> { [1] = 80, [2] = 81, [3] = 82, [4] = 79, [5] = 80 },
            ["unilateral"] = new Dictionary<int, double> { [1] = 78, [2] = 78, [3] = 80, [4] = 76, [5] = 79 },
            ["ensemble"] = new Dictionary<int, double> { [1] = 81, [2] = 80, [3] = 83, [4] = 79, [5] = 81 },
        };
        var table = Statistics.CompareAll(rows, "specialised");
        table.Select(r => r.Name).Should().Equal("unilateral - specialised", "ensemble - specialised");
        table[0].Mean.Should().BeApproximately(-2.2, 1e-12);
        (table[0].Wins, table[0].Losses).Should().Be((0, 5));
        var expected = Statistics.Holm([table[0].TP, table[1].TP]);
        table.Select(r => r.HolmP).Should().Equal(expected);
        FluentActions.Invoking(() => Statistics.CompareAll(rows, "bilateral")).Should().Throw<ArgumentException>()
            .WithMessage("CompareAll: no row 'bilateral'*'specialised', 'unilateral', 'ensemble'*");
    }

    [Fact]
    public void Paired_comparison_refuses_mismatched_seeds_with_one_message()
    {
        var a = new Dictionary<int, double> { [1] = 1, [2] = 2, [3] = 3 };
        var b = new Dictionary<int, double> { [1] = 1, [2] = 2, [4] = 3 };
        FluentActions.Invoking(() => Statistics.Paired(a, b, "x")).Should().Throw<ArgumentException>()
            .WithMessage("Paired comparison 'x': the seeds must match; only in the candidate: [3], only in the reference: [4].*");
        FluentActions.Invoking(() => Statistics.Paired([1.0, 2], [1.0], "y")).Should().Throw<ArgumentException>()
            .WithMessage("*2 candidate values but 1 reference values*");
    }

    [Fact]
    public void Spearman_across_seeds_gives_mean_t_ci_and_fisher_z()
    {
        var s = Statistics.AcrossSeeds([0.1, 0.2, 0.3]);
        s.Mean.Mean.Should().BeApproximately(0.2, 1e-12);
        s.Mean.Low.Should().BeApproximately(0.2 - 4.302652730 * 0.1 / Math.Sqrt(3), 1e-7);
        s.Mean.High.Should().BeApproximately(0.2 + 4.302652730 * 0.1 / Math.Sqrt(3), 1e-7);
        s.FisherMean.Should().BeApproximately(0.2014043380, 1e-8);
        s.FisherLow.Should().BeApproximately(-0.0555871249, 1e-7);
        s.FisherHigh.Should().BeApproximately(0.4333680710, 1e-7);
        s.TP.Should().BeApproximately(0.0741799002, 1e-7);
        s.ToString().Should().StartWith("rho +0.200 [-0.048, +0.448]").And.EndWith("3 seeds");

        // Per-seed data: seed 1 monotone increasing (rho 1), seed 2 with one swap (rho 0.9), seed 3 constant y (NaN, left out).
        var perSeed = new List<(IReadOnlyList<double>, IReadOnlyList<double>)>
        {
            ([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]),
            ([1, 2, 3, 4, 5], [10, 30, 20, 40, 50]),
            ([1, 2, 3, 4, 5], [7, 7, 7, 7, 7]),
        };
        var fromData = Statistics.SpearmanAcrossSeeds(perSeed);
        fromData.PerSeed[0].Should().BeApproximately(1, 1e-12);
        fromData.PerSeed[1].Should().BeApproximately(0.9, 1e-12);
        double.IsNaN(fromData.PerSeed[2]).Should().BeTrue();
        fromData.Mean.N.Should().Be(2);
        fromData.Mean.Mean.Should().BeApproximately(0.95, 1e-12);
        FluentActions.Invoking(() => Statistics.AcrossSeeds([double.NaN])).Should().Throw<ArgumentException>().WithMessage("*no seed*");
    }
}
