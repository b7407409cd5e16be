using BilateralNeuro.Analysis;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class PsychometricTests
{
    private static readonly double[] Levels = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();

    private static int[] Simulate(PsychometricFit truth, int trials, int seed)
    {
        var rng = new Random(seed);
        return Levels.Select(x => Enumerable.Range(0, trials).Count(_ => rng.NextDouble() < truth.Probability(x))).ToArray();
    }

    [Theory]
    [InlineData(0.45, 0.12, 0.02, 0.03)]
    [InlineData(0.62, 0.06, 0.0, 0.01)]
    [InlineData(0.30, 0.25, 0.04, 0.0)]
    public void Fit_recovers_known_parameters_from_synthetic_responses(double pse, double sigma, double guess, double lapse)
    {
        var truth = new PsychometricFit(pse, sigma, guess, lapse, 0);
        var trials = Enumerable.Repeat(4000, Levels.Length).ToArray();
        var fit = Psychometric.Fit(Levels, Simulate(truth, 4000, 7), trials);
        fit.Pse.Should().BeApproximately(pse, 0.01);
        fit.Sigma.Should().BeApproximately(sigma, 0.15 * sigma);
        fit.Guess.Should().BeInRange(0, Psychometric.MaxRate);
        fit.Lapse.Should().BeInRange(0, Psychometric.MaxRate);
        fit.Guess.Should().BeApproximately(guess, 0.015);
        fit.Lapse.Should().BeApproximately(lapse, 0.015);
    }

    [Fact]
    public void Guess_and_lapse_stay_bounded_when_data_asks_for_more()
    {
        // responses floor at 20% and ceil at 80%: an unbounded fit would take γ = λ = 0.2
        var truth = new PsychometricFit(0.5, 0.05, 0.2, 0.2, 0);
        var trials = Enumerable.Repeat(2000, Levels.Length).ToArray();
        var fit = Psychometric.Fit(Levels, Simulate(truth, 2000, 3), trials);
        fit.Guess.Should().BeLessThanOrEqualTo(Psychometric.MaxRate + 1e-12);
        fit.Lapse.Should().BeLessThanOrEqualTo(Psychometric.MaxRate + 1e-12);
        fit.Pse.Should().BeApproximately(0.5, 0.03);
        fit.Sigma.Should().BeGreaterThan(0.1, "the shallower curve absorbs the missing asymptotes");
    }

    [Fact]
    public void Bootstrap_interval_covers_the_truth_and_narrows_with_more_trials()
    {
        var truth = new PsychometricFit(0.514, Psychometric.HumanSigma, 0.01, 0.01, 0);   // derivative at the PSE 0.98 x 4.19
        var few = Psychometric.FitWithBootstrap(Levels, Simulate(truth, 40, 11), Enumerable.Repeat(40, 21).ToArray(), bootstraps: 100, seed: 1);
        var many = Psychometric.FitWithBootstrap(Levels, Simulate(truth, 400, 12), Enumerable.Repeat(400, 21).ToArray(), bootstraps: 100, seed: 1);
        few.PseLow.Should().BeLessThan(0.514);
        few.PseHigh.Should().BeGreaterThan(0.514);
        many.PseLow.Should().BeLessThan(0.514);
        many.PseHigh.Should().BeGreaterThan(0.514);
        (many.PseHigh - many.PseLow).Should().BeLessThan(few.PseHigh - few.PseLow);
        many.Fit.Slope.Should().BeApproximately(0.98 * 4.19, 0.6);
        many.Fit.Slope.Should().Be(many.Fit.SlopeAtPse, "the slope is the lab's derivative at the PSE, not 1/sigma");
        many.SlopeLow.Should().BeLessThan(0.98 * 4.19);
        many.SlopeHigh.Should().BeGreaterThan(0.98 * 4.19);
        many.DeltaPse.Should().Be(Math.Abs(many.Fit.Pse - 0.514));
        many.ZScore.Should().BeApproximately((many.Fit.Pse - 0.514) / 0.092, 1e-12);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        var act = () => Psychometric.Fit([0, 0.5, 1], [1, 2], [3, 3, 3]);
        act.Should().Throw<ArgumentException>().WithMessage("*3 levels, 2 counts*");
    }
}
