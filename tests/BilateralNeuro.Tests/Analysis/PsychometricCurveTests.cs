using BilateralNeuro.Analysis;
using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace BilateralNeuro.Tests.Analysis;

/// <summary>The lab-style psychometric fit (<see cref="PsychometricCurves"/>) and the human reference's slope units.</summary>
public sealed class PsychometricCurveTests
{
    // The lab's nine levels (FitPsycheCurveWH on rows 1,5,7,...,21 of the 21-step morph) and the full 21-step continuum.
    private static readonly double[] LabLevels = [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0];
    private static readonly double[] Continuum = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();

    private static Dictionary<double, double> Curve(IEnumerable<double> levels, Func<double, double> f) => levels.ToDictionary(x => x, f);

    private static double Derivative(Func<double, double> f, double x, double h = 1e-5) => (f(x + h) - f(x - h)) / (2 * h);

    [Fact]
    public void The_human_reference_curve_has_derivative_4_19_at_0_514()
    {
        Derivative(Psychometric.HumanReferenceProbability, 0.514).Should().BeApproximately(4.19, 1e-4);
        Psychometric.HumanReferenceProbability(0.514).Should().BeApproximately(0.5, 1e-12);
        PsychometricCurves.Human.Slope.Should().BeApproximately(4.19, 1e-12);
        PsychometricCurves.Human.Pse.Should().Be(0.514);
        Derivative(PsychometricCurves.Human.Probability, 0.514).Should().BeApproximately(4.19, 1e-4);
        // The old curve Phi((x - 0.514) * 4.19) had derivative 4.19 / sqrt(2 pi) = 1.67 there: 2.5x too shallow.
        Psychometric.HumanSigma.Should().BeApproximately(1 / (4.19 * Math.Sqrt(2 * Math.PI)), 1e-15);
    }

    [Theory]   // reference values: Python's math.erfc
    [InlineData(0.1, 0.8875370839817152)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1, 0.15729920705028513)]
    [InlineData(2, 0.004677734981047265)]
    [InlineData(2.9, 4.109787809945886e-05)]
    [InlineData(3.1, 1.1648657367199589e-05)]
    [InlineData(4, 1.541725790028002e-08)]
    [InlineData(6, 2.1519736712498916e-17)]
    [InlineData(-1, 1.842700792949715)]
    public void Erfc_is_accurate_to_near_double_precision(double x, double expected) =>
        PsychometricOptimizer.Erfc(x).Should().BeApproximately(expected, 1e-10 * expected);

    [Fact]
    public void Fitting_the_human_curve_like_the_lab_gives_back_its_PSE_and_slope()
    {
        foreach (var method in new[] { PsychometricFitMethod.LeastSquares, PsychometricFitMethod.MaximumLikelihood })
        {
            var fit = PsychometricCurves.Fit(Curve(LabLevels, Psychometric.HumanReferenceProbability), new() { Method = method });
            fit.Fitted.Should().BeTrue(method.ToString());
            fit.Pse!.Value.Should().BeApproximately(0.514, 0.003, method.ToString());
            fit.Slope!.Value.Should().BeApproximately(4.19, 0.1, method.ToString());
            fit.Rmse.Should().BeLessThan(0.01);
        }
    }

    [Fact]
    public void Least_squares_recovers_guess_lapse_pse_and_the_derivative_at_the_pse()
    {
        const double u = 0.42, v = 0.15, g = 0.03, l = 0.04;
        double Truth(double x) => g + (1 - g - l) * 0.5 * (1 + Erf((x - u) / (v * Math.Sqrt(2))));
        var fit = PsychometricCurves.Fit(Curve(Continuum, Truth));
        fit.Pse!.Value.Should().BeApproximately(u, 1e-3);
        fit.Sigma.Should().BeApproximately(v, 2e-3);
        fit.Guess.Should().BeApproximately(g, 2e-3);
        fit.Lapse.Should().BeApproximately(l, 2e-3);
        fit.Slope!.Value.Should().BeApproximately(Derivative(Truth, u), 0.02);
        fit.ToString().Should().StartWith("PSE 0.420, slope");
    }

    [Fact]
    public void Flat_or_falling_curves_and_crossings_outside_the_continuum_get_no_fit_not_a_number()
    {
        var flat = PsychometricCurves.Fit(Curve(Continuum, x => 0.45 + 0.1 * x));
        flat.Fitted.Should().BeFalse();
        flat.Pse.Should().BeNull();
        flat.Slope.Should().BeNull();
        flat.NoFitReason.Should().Contain("flat curve").And.Contain("0.100");
        flat.ToString().Should().StartWith("no fit: flat curve");

        // Falls from 1 to 0: an increasing psychometric function cannot follow it.
        var falling = PsychometricCurves.Fit(Curve(Continuum, x => 1 - Psychometric.HumanReferenceProbability(x)));
        falling.Fitted.Should().BeFalse();
        falling.Pse.Should().BeNull();

        // Rises (range 0.37) but crosses 0.5 only beyond the continuum's end.
        var late = PsychometricCurves.Fit(Curve(Continuum, x => 0.5 * (1 + Erf((x - 1.1) / (0.3 * Math.Sqrt(2))))));
        late.Fitted.Should().BeFalse();
        late.NoFitReason.Should().Contain("end of the continuum");
        late.Slope.Should().BeNull();
    }

    [Fact]
    public void Images_of_a_level_are_averaged_and_seeds_are_summarised_with_t_intervals()
    {
        var images = Continuum.SelectMany(x => new[] { (x, Math.Clamp(Psychometric.HumanReferenceProbability(x) + 0.05, 0, 1)),
                                                       (x, Math.Clamp(Psychometric.HumanReferenceProbability(x) - 0.05, 0, 1)) });
        var averaged = PsychometricCurves.FitImages(images);
        averaged.Levels.Should().HaveCount(21);
        averaged.Pse!.Value.Should().BeApproximately(0.514, 0.01);

        var seeds = new[] { 0.45, 0.5, 0.55 }.Select(u => PsychometricCurves.Fit(Curve(Continuum, x => 0.5 * (1 + Erf((x - u) / (0.1 * Math.Sqrt(2)))))))
            .Append(PsychometricCurves.Fit(Curve(Continuum, _ => 0.5)))
            .ToList();
        var summary = PsychometricCurves.AcrossSeeds(seeds);
        summary.Seeds.Should().Be(4);
        summary.FittedSeeds.Should().Be(3, "the flat seed is left out, not averaged in");
        summary.Pse!.Mean.Should().BeApproximately(0.5, 2e-3);
        var expected = Statistics.MeanCi(seeds.Take(3).Select(s => s.Pse!.Value).ToList());
        summary.Pse.Low.Should().Be(expected.Low);
        summary.Slope!.Mean.Should().BeApproximately(1 / (0.1 * Math.Sqrt(2 * Math.PI)), 0.1);
        summary.ToString().Should().Contain("(3 of 4 seeds fitted)");
        var none = PsychometricCurves.AcrossSeeds([seeds[3], seeds[3]]);
        none.Pse.Should().BeNull();
        none.ToString().Should().Be("no fit (0 of 2 seeds fitted)");
    }

    [Fact]
    public void Bad_input_gets_one_clear_message()
    {
        FluentActions.Invoking(() => PsychometricCurves.Fit(new Dictionary<double, double> { [0] = 0, [1] = 1 }))
            .Should().Throw<ArgumentException>().WithMessage("*at least 3 morph levels, got 2*");
        FluentActions.Invoking(() => PsychometricCurves.Fit(new Dictionary<double, double> { [0] = 0, [0.5] = 1.2, [1] = 1 }))
            .Should().Throw<ArgumentException>().WithMessage("*level 0.5 has P(positive) = 1.2*");
        FluentActions.Invoking(() => PsychometricCurves.Fit(Curve(Continuum, x => x), new() { MinSigma = 0, MaxGuess = 0.7 }))
            .Should().Throw<OptionsValidationException>().WithMessage("*MaxGuess*").WithMessage("*MinSigma*");
    }

    private static double Erf(double x) => 2 * PsychometricOptimizer.NormalCdf(x * Math.Sqrt(2)) - 1;
}
