namespace BilateralNeuro.Analysis;

/// <summary>
/// A fitted psychometric function P(positive | x) = γ + (1 − γ − λ) Φ((x − PSE) / σ), with guess rate γ and lapse
/// rate λ bounded to [0, <see cref="Psychometric.MaxRate"/>].
/// </summary>
/// <param name="Pse">Point of subjective equality (the cumulative Gaussian's mean).</param>
/// <param name="Sigma">Spread σ of the cumulative Gaussian.</param>
/// <param name="Guess">Guess rate γ (lower asymptote).</param>
/// <param name="Lapse">Lapse rate λ (1 − upper asymptote).</param>
/// <param name="NegativeLogLikelihood">Binomial negative log-likelihood at the optimum.</param>
public sealed record PsychometricFit(double Pse, double Sigma, double Guess, double Lapse, double NegativeLogLikelihood)
{
    /// <summary>
    /// The slope as the SE-AlexNet lab reports it (and the humans' ~4.19 is): the derivative of the fitted curve at the
    /// PSE, (1 − γ − λ) φ(0) / σ — the same as <see cref="SlopeAtPse"/>. (Before this was fixed it returned 1/σ, a
    /// different quantity ~2.5x larger; that value is <see cref="InverseSigma"/>.)
    /// </summary>
    public double Slope => SlopeAtPse;
    /// <summary>Derivative of the fitted curve at the PSE, (1 − γ − λ) φ(0) / σ.</summary>
    public double SlopeAtPse => (1 - Guess - Lapse) / (Math.Sqrt(2 * Math.PI) * Sigma);
    /// <summary>1/σ, the cumulative Gaussian's inverse spread (not comparable with the lab's slope).</summary>
    public double InverseSigma => 1 / Sigma;
    /// <summary>The fitted P(positive) at <paramref name="x"/>.</summary>
    public double Probability(double x) => Guess + (1 - Guess - Lapse) * PsychometricOptimizer.NormalCdf((x - Pse) / Sigma);
}

/// <summary>A fit with percentile bootstrap confidence intervals (slope: derivative at the PSE) and the data it came from.</summary>
public sealed record PsychometricResult(PsychometricFit Fit, double PseLow, double PseHigh, double SlopeLow, double SlopeHigh,
    int Bootstraps, double[] Levels, int[] Positives, int[] Trials)
{
    /// <summary>Observed proportion of positive responses per level.</summary>
    public double[] Proportions => Positives.Select((k, i) => Trials[i] == 0 ? double.NaN : k / (double)Trials[i]).ToArray();
    /// <summary>|PSE − human PSE|.</summary>
    public double DeltaPse => Math.Abs(Fit.Pse - Psychometric.HumanPse);
    /// <summary>(PSE − human PSE) / human SD.</summary>
    public double ZScore => (Fit.Pse - Psychometric.HumanPse) / Psychometric.HumanPseSd;
}

/// <summary>
/// Maximum-likelihood fit of a cumulative Gaussian with bounded guess and lapse rates (Nelder–Mead on a
/// reparametrisation: PSE = 0.5 + 1.5 tanh a, σ = 0.001 + 5 sigmoid b, γ = 0.05 sigmoid c, λ = 0.05 sigmoid d, several
/// starts), percentile bootstrap over binomial resamples per level, and the human reference of the SE-AlexNet lab's
/// published 2AFC data (40 participants: PSE 0.514, SD 0.092, slope about 4.19).
/// </summary>
public static class Psychometric
{
    /// <summary>Upper bound of the guess and lapse rates.</summary>
    public const double MaxRate = 0.05;
    /// <summary>Human mean PSE on the happy-to-sad continuum (the SE-AlexNet lab's published data).</summary>
    public const double HumanPse = 0.514;
    /// <summary>Standard deviation of the human PSEs (same source).</summary>
    public const double HumanPseSd = 0.092;
    /// <summary>
    /// Human slope (same source, approximately): the derivative of the lab's fitted curve at the PSE
    /// (<c>FitPsycheCurveWH.m</c>: <c>slope = subs(diff(F), x, u)</c>), not 1/σ.
    /// </summary>
    public const double HumanSlope = 4.19;

    /// <summary>
    /// SD of the human reference curve: with guess and lapse 0 the derivative at the PSE is φ(0)/σ, so
    /// σ = 1 / (<see cref="HumanSlope"/> √(2π)) ≈ 0.0952.
    /// </summary>
    public static double HumanSigma { get; } = 1 / (HumanSlope * Math.Sqrt(2 * Math.PI));

    /// <summary>
    /// The human reference curve Φ((x − <see cref="HumanPse"/>) / <see cref="HumanSigma"/>) at morph level
    /// <paramref name="x"/>: its derivative at the PSE is <see cref="HumanSlope"/>.
    /// </summary>
    public static double HumanReferenceProbability(double x) => PsychometricOptimizer.NormalCdf((x - HumanPse) / HumanSigma);

    /// <summary>Fits the curve to <paramref name="positives"/> of <paramref name="trials"/> per level.</summary>
    /// <exception cref="ArgumentException">Lengths differ, fewer than 3 levels, or counts out of range.</exception>
    public static PsychometricFit Fit(IReadOnlyList<double> levels, IReadOnlyList<int> positives, IReadOnlyList<int> trials) =>
        Fit(levels, positives, trials, null);

    private static PsychometricFit Fit(IReadOnlyList<double> levels, IReadOnlyList<int> positives, IReadOnlyList<int> trials, PsychometricFit? warmStart)
    {
        Validate(levels, positives, trials);
        double Nll(double[] p)
        {
            var (mu, sigma, g, l) = Map(p);
            double s = 0;
            for (int i = 0; i < levels.Count; i++)
            {
                double q = g + (1 - g - l) * PsychometricOptimizer.NormalCdf((levels[i] - mu) / sigma);
                q = Math.Clamp(q, 1e-12, 1 - 1e-12);
                s -= positives[i] * Math.Log(q) + (trials[i] - positives[i]) * Math.Log(1 - q);
            }
            return s;
        }
        double[]? best = null;
        double bestF = double.PositiveInfinity;
        if (warmStart is not null)
        {
            var start = new[] { Math.Atanh(Math.Clamp((warmStart.Pse - 0.5) / 1.5, -0.999999, 0.999999)), Logit(Math.Clamp((warmStart.Sigma - 0.001) / 5, 1e-9, 1 - 1e-9)),
                Logit(Math.Clamp(warmStart.Guess / MaxRate, 1e-6, 1 - 1e-6)), Logit(Math.Clamp(warmStart.Lapse / MaxRate, 1e-6, 1 - 1e-6)) };
            (best, bestF) = PsychometricOptimizer.NelderMead(Nll, start, step: 0.2);
            var (wm, ws, wg, wl) = Map(best);
            return new PsychometricFit(wm, ws, wg, wl, bestF);
        }
        foreach (var mu0 in new[] { 0.25, 0.5, 0.75 })
            foreach (var s0 in new[] { 0.05, 0.15, 0.4 })
            {
                var start = new[] { Math.Atanh((mu0 - 0.5) / 1.5), Logit((s0 - 0.001) / 5), Logit(0.2), Logit(0.2) };
                var (x, f) = PsychometricOptimizer.NelderMead(Nll, start);
                (x, f) = PsychometricOptimizer.NelderMead(Nll, x, step: 0.1);
                if (f < bestF) { bestF = f; best = x; }
            }
        var (m, sg, gg, ll) = Map(best!);
        return new PsychometricFit(m, sg, gg, ll, bestF);
    }

    /// <summary>Fits and adds percentile bootstrap intervals (binomial resampling at each level).</summary>
    public static PsychometricResult FitWithBootstrap(IReadOnlyList<double> levels, IReadOnlyList<int> positives, IReadOnlyList<int> trials,
        int bootstraps = 200, int seed = 0, double confidence = 0.95)
    {
        if (bootstraps < 10) throw new ArgumentOutOfRangeException(nameof(bootstraps), bootstraps, "Psychometric: at least 10 bootstrap samples.");
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Psychometric: confidence must lie in (0, 1).");
        var fit = Fit(levels, positives, trials);
        var rng = new Random(seed);
        var pses = new double[bootstraps];
        var slopes = new double[bootstraps];
        for (int b = 0; b < bootstraps; b++)
        {
            var k = new int[levels.Count];
            for (int i = 0; i < levels.Count; i++)
            {
                double p = positives[i] / (double)trials[i];
                for (int t = 0; t < trials[i]; t++) if (rng.NextDouble() < p) k[i]++;
            }
            var f = Fit(levels, k, trials, fit);
            pses[b] = f.Pse;
            slopes[b] = f.Slope;
        }
        double a = (1 - confidence) / 2;
        return new PsychometricResult(fit, Quantile(pses, a), Quantile(pses, 1 - a), Quantile(slopes, a), Quantile(slopes, 1 - a),
            bootstraps, levels.ToArray(), positives.ToArray(), trials.ToArray());
    }

    private static (double Mu, double Sigma, double Guess, double Lapse) Map(double[] p) =>
        (0.5 + 1.5 * Math.Tanh(p[0]), 0.001 + 5 * Sigmoid(p[1]), MaxRate * Sigmoid(p[2]), MaxRate * Sigmoid(p[3]));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    private static double Logit(double p) => Math.Log(p / (1 - p));

    private static double Quantile(double[] values, double q)
    {
        var s = values.OrderBy(v => v).ToArray();
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }

    private static void Validate(IReadOnlyList<double> levels, IReadOnlyList<int> positives, IReadOnlyList<int> trials)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(trials);
        if (levels.Count != positives.Count || levels.Count != trials.Count)
            throw new ArgumentException($"Psychometric: expected equal lengths, got {levels.Count} levels, {positives.Count} counts and {trials.Count} trial numbers.");
        if (levels.Count < 3) throw new ArgumentException($"Psychometric: expected at least 3 levels, got {levels.Count}.", nameof(levels));
        for (int i = 0; i < levels.Count; i++)
            if (trials[i] < 1 || positives[i] < 0 || positives[i] > trials[i] || !double.IsFinite(levels[i]))
                throw new ArgumentException($"Psychometric: level {i} has {positives[i]} positives of {trials[i]} trials at x = {levels[i]}.");
    }
}
