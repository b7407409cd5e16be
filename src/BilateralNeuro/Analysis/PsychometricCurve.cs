using System.Globalization;
using Microsoft.Extensions.Options;
using BilateralNeuro.Core;

namespace BilateralNeuro.Analysis;

/// <summary>How <see cref="PsychometricCurves.Fit(IReadOnlyDictionary{double, double}, PsychometricCurveOptions?)"/> fits the curve.</summary>
public enum PsychometricFitMethod
{
    /// <summary>
    /// Least squares on P(positive) per level, as the SE-AlexNet lab does (MATLAB <c>fit</c> in
    /// JyBmegan/PsychometricFittingCurve <c>FitPsycheCurveWH.m</c>).
    /// </summary>
    LeastSquares,
    /// <summary>Binomial maximum likelihood with <see cref="PsychometricCurveOptions.TrialsPerLevel"/> pseudo-trials per level (this project's earlier fit).</summary>
    MaximumLikelihood,
}

/// <summary>
/// Options of the lab-style psychometric fit F(x) = g + (1 − g − l) Φ((x − u) / v). Defaults are the lab's bounds
/// (JyBmegan/PsychometricFittingCurve: g, l in [0, 0.05], u in [0, 1], v up to 100) except <see cref="MinSigma"/>: the
/// lab's scripts bound v ≥ 0.1, which caps the slope at F'(u) ≤ 1 / (0.1 √(2π)) = 3.99 — below the humans' published
/// 4.19 — so the default lower bound is 0.01, letting a curve steeper than the humans' be measured; set 0.1 for the
/// scripts' exact bounds.
/// </summary>
public sealed class PsychometricCurveOptions
{
    /// <summary>Least squares (the lab's) or maximum likelihood.</summary>
    public PsychometricFitMethod Method { get; set; } = PsychometricFitMethod.LeastSquares;
    /// <summary>Upper bound of the guess rate g (lower asymptote).</summary>
    public double MaxGuess { get; set; } = 0.05;
    /// <summary>Upper bound of the lapse rate l (1 − upper asymptote).</summary>
    public double MaxLapse { get; set; } = 0.05;
    /// <summary>Lower bound of the cumulative Gaussian's SD v (morph units).</summary>
    public double MinSigma { get; set; } = 0.01;
    /// <summary>Upper bound of v.</summary>
    public double MaxSigma { get; set; } = 100;
    /// <summary>Lower end of the continuum; the PSE is constrained to [<see cref="ContinuumMin"/>, <see cref="ContinuumMax"/>].</summary>
    public double ContinuumMin { get; set; }
    /// <summary>Upper end of the continuum.</summary>
    public double ContinuumMax { get; set; } = 1;
    /// <summary>
    /// "No fit" when max − min of P(positive) across levels, or the fitted curve's rise over the continuum, is below
    /// this: the curve is flat (or falls) and a PSE would be noise.
    /// </summary>
    public double MinRange { get; set; } = 0.2;
    /// <summary>"No fit" when the fitted PSE lies within this fraction of the continuum's length of either end.</summary>
    public double BoundTolerance { get; set; } = 0.01;
    /// <summary>Pseudo-trials per level turning probabilities into counts for <see cref="PsychometricFitMethod.MaximumLikelihood"/>.</summary>
    public int TrialsPerLevel { get; set; } = 100;
}

/// <summary>Validates <see cref="PsychometricCurveOptions"/>, listing every problem.</summary>
public sealed class PsychometricCurveOptionsValidator : IValidateOptions<PsychometricCurveOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PsychometricCurveOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (!(o.MaxGuess >= 0 && o.MaxGuess < 0.5)) e.AddError($"MaxGuess must be in [0, 0.5), got {o.MaxGuess}.");
        if (!(o.MaxLapse >= 0 && o.MaxLapse < 0.5)) e.AddError($"MaxLapse must be in [0, 0.5), got {o.MaxLapse}.");
        if (!(o.MinSigma > 0 && o.MaxSigma > o.MinSigma && double.IsFinite(o.MaxSigma))) e.AddError($"Need 0 < MinSigma < MaxSigma (finite), got {o.MinSigma} and {o.MaxSigma}.");
        if (!(o.ContinuumMax > o.ContinuumMin) || !double.IsFinite(o.ContinuumMin) || !double.IsFinite(o.ContinuumMax)) e.AddError($"Need ContinuumMin < ContinuumMax, got {o.ContinuumMin} and {o.ContinuumMax}.");
        if (!(o.MinRange >= 0 && o.MinRange < 1)) e.AddError($"MinRange must be in [0, 1), got {o.MinRange}.");
        if (!(o.BoundTolerance >= 0 && o.BoundTolerance < 0.5)) e.AddError($"BoundTolerance must be in [0, 0.5), got {o.BoundTolerance}.");
        if (o.TrialsPerLevel < 1) e.AddError($"TrialsPerLevel must be positive, got {o.TrialsPerLevel}.");
        return e.Build();
    }
}

/// <summary>
/// A lab-style psychometric curve for one model (or the humans): either fitted, with PSE u, SD v, guess g, lapse l
/// and the slope as the derivative at the PSE, or "no fit" with the reason (then <see cref="Pse"/> and
/// <see cref="Slope"/> are null, never a number).
/// </summary>
/// <param name="NoFitReason">Null when fitted; otherwise why not (flat curve, PSE at a bound).</param>
/// <param name="U">Fitted mean of the cumulative Gaussian (NaN when the fit was not attempted).</param>
/// <param name="Sigma">Fitted SD v.</param>
/// <param name="Guess">Fitted guess rate g.</param>
/// <param name="Lapse">Fitted lapse rate l.</param>
/// <param name="Levels">Morph levels, ascending.</param>
/// <param name="Probabilities">P(positive) per level (the data fitted).</param>
/// <param name="Rmse">Root mean squared residual of the fit at the levels (NaN when not attempted).</param>
/// <param name="Method">How it was fitted.</param>
public sealed record PsychometricCurveFit(string? NoFitReason, double U, double Sigma, double Guess, double Lapse,
    IReadOnlyList<double> Levels, IReadOnlyList<double> Probabilities, double Rmse, PsychometricFitMethod Method)
{
    /// <summary>Whether the curve has a PSE and slope.</summary>
    public bool Fitted => NoFitReason is null;

    /// <summary>Point of subjective equality u; null when there is no fit.</summary>
    public double? Pse => Fitted ? U : null;

    /// <summary>
    /// The lab's slope: the derivative of the fitted curve at the PSE, F'(u) = (1 − g − l) φ(0) / v (MATLAB:
    /// <c>slope = subs(diff(F), x, u)</c>); null when there is no fit. The same quantity for models and humans.
    /// </summary>
    public double? Slope => Fitted ? DerivativeAtU : null;

    /// <summary>F'(u) of the fitted parameters whether or not the curve counts as fitted (diagnostics).</summary>
    public double DerivativeAtU => (1 - Guess - Lapse) / (Math.Sqrt(2 * Math.PI) * Sigma);

    /// <summary>The fitted F(x) (NaN when the fit was not attempted).</summary>
    public double Probability(double x) => Guess + (1 - Guess - Lapse) * PsychometricOptimizer.NormalCdf((x - U) / Sigma);

    /// <summary><c>PSE 0.514, slope 4.19 (g 0.000, l 0.000, v 0.095)</c> or <c>no fit: ...</c>.</summary>
    public override string ToString() => Fitted
        ? string.Create(CultureInfo.InvariantCulture, $"PSE {U:0.000}, slope {DerivativeAtU:0.00} (g {Guess:0.000}, l {Lapse:0.000}, v {Sigma:0.000})")
        : $"no fit: {NoFitReason}";
}

/// <summary>PSE and slope of one model summarised across seeds (fitted seeds only), with Student-t CIs.</summary>
/// <param name="Seeds">Seeds given.</param>
/// <param name="FittedSeeds">Seeds whose curve was fitted.</param>
/// <param name="Pse">Mean PSE and t CI over the fitted seeds; null when none was fitted.</param>
/// <param name="Slope">Mean slope (derivative at the PSE) and t CI; null when none was fitted.</param>
public sealed record PsychometricSummary(int Seeds, int FittedSeeds, MeanInterval? Pse, MeanInterval? Slope)
{
    /// <summary><c>PSE 0.512 [0.480, 0.544], slope 4.05 [3.60, 4.50] (5 of 5 seeds fitted)</c> or <c>no fit (0 of 5 seeds fitted)</c>.</summary>
    public override string ToString() => Pse is null || Slope is null
        ? $"no fit (0 of {Seeds} seeds fitted)"
        : string.Create(CultureInfo.InvariantCulture,
            $"PSE {Pse.Mean:0.000} [{Pse.Low:0.000}, {Pse.High:0.000}], slope {Slope.Mean:0.00} [{Slope.Low:0.00}, {Slope.High:0.00}] ({FittedSeeds} of {Seeds} seeds fitted)");
}

/// <summary>
/// Psychometric curves "like the lab" (JyBmegan/PsychometricFittingCurve, <c>FitPsycheCurveWH.m</c>):
/// P(positive) per morph level — for a network, its softmax probability of the positive class, averaged over the
/// images of a level — fitted by F(x) = g + (1 − g − l) Φ((x − u) / v) with bounded guess and lapse, the PSE u
/// constrained to the continuum, and the slope reported as F'(u) for models and humans alike. Flat curves and PSEs at
/// the continuum's ends give "no fit" instead of a number. <see cref="Psychometric"/> keeps the earlier
/// maximum-likelihood fit on counts with bootstrap intervals.
/// </summary>
public static class PsychometricCurves
{
    /// <summary>
    /// The human reference curve: PSE <see cref="Psychometric.HumanPse"/> and derivative at the PSE
    /// <see cref="Psychometric.HumanSlope"/> (g = l = 0, so v = 1 / (4.19 √(2π)) ≈ 0.095).
    /// </summary>
    public static PsychometricCurveFit Human { get; } = new(null, Psychometric.HumanPse, Psychometric.HumanSigma, 0, 0,
        [], [], double.NaN, PsychometricFitMethod.LeastSquares);

    /// <summary>Fits P(positive) given per level (a level → probability table; levels need not be sorted).</summary>
    /// <exception cref="ArgumentException">Fewer than 3 levels, or a probability outside [0, 1] / a level not finite.</exception>
    /// <exception cref="OptionsValidationException">Invalid options.</exception>
    public static PsychometricCurveFit Fit(IReadOnlyDictionary<double, double> probabilityByLevel, PsychometricCurveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(probabilityByLevel);
        return FitSorted(probabilityByLevel.OrderBy(kv => kv.Key).ToList(), options ?? new PsychometricCurveOptions());
    }

    /// <summary>
    /// Fits per-image softmax probabilities: (morph level, P(positive)) for every image shown; images of the same level
    /// are averaged first.
    /// </summary>
    public static PsychometricCurveFit FitImages(IEnumerable<(double Level, double Probability)> images, PsychometricCurveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var table = images.GroupBy(i => i.Level).ToDictionary(g => g.Key, g => g.Average(i => i.Probability));
        return Fit(table, options);
    }

    /// <summary>PSE and slope across seeds (one curve per seed) with t CIs from <see cref="Statistics.MeanCi"/>; unfitted seeds are left out.</summary>
    public static PsychometricSummary AcrossSeeds(IReadOnlyList<PsychometricCurveFit> perSeed, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(perSeed);
        var fitted = perSeed.Where(f => f.Fitted).ToList();
        if (fitted.Count == 0) return new PsychometricSummary(perSeed.Count, 0, null, null);
        return new PsychometricSummary(perSeed.Count, fitted.Count,
            Statistics.MeanCi(fitted.Select(f => f.Pse!.Value).ToList(), confidence),
            Statistics.MeanCi(fitted.Select(f => f.Slope!.Value).ToList(), confidence));
    }

    private static PsychometricCurveFit FitSorted(List<KeyValuePair<double, double>> data, PsychometricCurveOptions o)
    {
        OptionsValidation.ThrowIfInvalid(o, new PsychometricCurveOptionsValidator());
        if (data.Count < 3) throw new ArgumentException($"Psychometric curve: expected at least 3 morph levels, got {data.Count}.", nameof(data));
        foreach (var (level, p) in data)
            if (!double.IsFinite(level) || !(p >= 0 && p <= 1))
                throw new ArgumentException($"Psychometric curve: level {level} has P(positive) = {p}; expected a finite level and a probability in [0, 1].", nameof(data));
        var x = data.Select(d => d.Key).ToArray();
        var y = data.Select(d => d.Value).ToArray();
        double range = y.Max() - y.Min();
        if (range < o.MinRange)
            return new PsychometricCurveFit(
                string.Create(CultureInfo.InvariantCulture, $"flat curve (P(positive) spans {range:0.000} across levels, below {o.MinRange:0.00})"),
                double.NaN, double.NaN, double.NaN, double.NaN, x, y, double.NaN, o.Method);

        double span = o.ContinuumMax - o.ContinuumMin;
        double logMin = Math.Log(o.MinSigma), logMax = Math.Log(o.MaxSigma);
        (double U, double V, double G, double L) Map(double[] p) => (
            o.ContinuumMin + span * Sigmoid(p[0]),
            Math.Exp(logMin + (logMax - logMin) * Sigmoid(p[1])),
            o.MaxGuess * Sigmoid(p[2]),
            o.MaxLapse * Sigmoid(p[3]));
        double F(double g, double l, double u, double v, double xi) => g + (1 - g - l) * PsychometricOptimizer.NormalCdf((xi - u) / v);
        double Objective(double[] p)
        {
            var (u, v, g, l) = Map(p);
            double s = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double q = F(g, l, u, v, x[i]);
                if (o.Method == PsychometricFitMethod.LeastSquares) s += (y[i] - q) * (y[i] - q);
                else
                {
                    q = Math.Clamp(q, 1e-12, 1 - 1e-12);
                    s -= o.TrialsPerLevel * (y[i] * Math.Log(q) + (1 - y[i]) * Math.Log(1 - q));
                }
            }
            return s;
        }
        double[] Start(double u, double v, double g, double l) =>
        [
            Logit(Math.Clamp((u - o.ContinuumMin) / span, 1e-4, 1 - 1e-4)),
            Logit(Math.Clamp((Math.Log(Math.Clamp(v, o.MinSigma, o.MaxSigma)) - logMin) / (logMax - logMin), 1e-4, 1 - 1e-4)),
            o.MaxGuess > 0 ? Logit(Math.Clamp(g / o.MaxGuess, 1e-4, 1 - 1e-4)) : 0,
            o.MaxLapse > 0 ? Logit(Math.Clamp(l / o.MaxLapse, 1e-4, 1 - 1e-4)) : 0,
        ];
        // The lab's start point (g 0.01, l 0.02, u 0.5, v 5) plus a grid, each polished by a restart.
        var starts = new List<double[]> { Start(0.01, 0.02, o.ContinuumMin + span / 2, 5) };
        foreach (var uf in new[] { 0.25, 0.5, 0.75 })
            foreach (var vf in new[] { 0.03, 0.1, 0.3, 1.0 })
                starts.Add(Start(o.ContinuumMin + span * uf, vf * span, 0.01, 0.01));
        double[]? best = null;
        double bestF = double.PositiveInfinity;
        foreach (var s0 in starts)
        {
            var (p, f) = PsychometricOptimizer.NelderMead(Objective, s0);
            (p, f) = PsychometricOptimizer.NelderMead(Objective, p, step: 0.1);
            if (f < bestF) { bestF = f; best = p; }
        }
        var (bu, bv, bg, bl) = Map(best!);
        double rmse = Math.Sqrt(x.Select((xi, i) => Math.Pow(y[i] - F(bg, bl, bu, bv, xi), 2)).Average());
        string? reason = null;
        double tol = o.BoundTolerance * span;
        double fittedRange = F(bg, bl, bu, bv, o.ContinuumMax) - F(bg, bl, bu, bv, o.ContinuumMin);
        if (fittedRange < o.MinRange)
            reason = string.Create(CultureInfo.InvariantCulture,
                $"the fitted curve is flat over the continuum (rises by {fittedRange:0.000}, below {o.MinRange:0.00}; e.g. P(positive) falls with the level)");
        else if (bu <= o.ContinuumMin + tol || bu >= o.ContinuumMax - tol)
            reason = string.Create(CultureInfo.InvariantCulture,
                $"the fitted PSE {bu:0.000} lies at an end of the continuum [{o.ContinuumMin:0.###}, {o.ContinuumMax:0.###}] (the curve does not cross within it)");
        return new PsychometricCurveFit(reason, bu, bv, bg, bl, x, y, rmse, o.Method);
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
    private static double Logit(double p) => Math.Log(p / (1 - p));
}
