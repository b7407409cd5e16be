using BilateralNeuro.Analysis;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Resources;

public class SpearmanTests
{
    [Theory]
    [InlineData(2.2281389, 10, 0.05)]
    [InlineData(3.1692727, 10, 0.01)]
    [InlineData(2.3060041, 8, 0.05)]
    [InlineData(12.706205, 1, 0.05)]
    [InlineData(1.959964, 1e7, 0.05)]
    [InlineData(0, 5, 1.0)]
    public void Student_t_two_sided_p_matches_table_values(double t, double df, double p)
    {
        Spearman.StudentTwoSided(t, df).Should().BeApproximately(p, 1e-6);
        Spearman.StudentTwoSided(-t, df).Should().BeApproximately(p, 1e-6);
    }

    [Fact]
    public void Spearman_matches_scipy_documentation_example_with_ties()
    {
        // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]) -> statistic 0.8207826816681233, pvalue 0.08858700531354381
        var r = Spearman.Correlate([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
        r.Coefficient.Should().BeApproximately(0.8207826816681233, 1e-12);
        r.PValue.Should().BeApproximately(0.08858700531354381, 1e-9);
        r.N.Should().Be(5);
    }

    [Fact]
    public void Ranks_average_ties_and_monotone_data_correlate_perfectly()
    {
        Spearman.Ranks([10, 20, 20, 5]).Should().Equal(2, 3.5, 3.5, 1);
        var r = Spearman.Correlate([1, 2, 3, 4], [1, 8, 27, 64]);
        r.Coefficient.Should().Be(1);
        r.PValue.Should().Be(0);
        Spearman.Correlate([1, 2, 3, 4], [4, 3, 2, 1]).Coefficient.Should().Be(-1);
        double.IsNaN(Spearman.Correlate([1, 2, 3], [7, 7, 7]).Coefficient).Should().BeTrue();
        Spearman.LogGamma(5).Should().BeApproximately(Math.Log(24), 1e-12);
    }
}
