using System.Globalization;

namespace BilateralNeuro.Analysis;

/// <summary>Which p-value of a <see cref="PairedComparison"/> the Holm correction adjusts.</summary>
public enum HolmBasis
{
    /// <summary>The paired t-test p-value (<see cref="PairedComparison.TP"/>), consistent with the t CI.</summary>
    TTest,
    /// <summary>The exact sign-test p-value (<see cref="PairedComparison.SignP"/>), distribution-free but coarse
    /// (with 5 seeds its smallest value is 0.0625).</summary>
    SignTest,
}

/// <summary>
/// One row of a paired comparison by seed (e.g. a model minus the reference network, seed by seed): the mean
/// difference with a 95 % Student-t and a seeded percentile-bootstrap CI, wins/losses/ties with the exact two-sided
/// sign test, the paired t-test p-value and, once a table is corrected (<see cref="Statistics.WithHolm"/>), the
/// Holm-adjusted p-value. Bounds are NaN where they are undefined (fewer than 2 seeds).
/// </summary>
/// <param name="Name">What is compared (a table row's label); may be empty.</param>
/// <param name="N">Number of paired seeds.</param>
/// <param name="Mean">Mean of the differences.</param>
/// <param name="Sd">Sample standard deviation of the differences (n - 1).</param>
/// <param name="CiLow">Lower bound of the t confidence interval of the mean.</param>
/// <param name="CiHigh">Upper bound of the t confidence interval of the mean.</param>
/// <param name="BootstrapLow">Lower bound of the percentile-bootstrap interval of the mean.</param>
/// <param name="BootstrapHigh">Upper bound of the percentile-bootstrap interval of the mean.</param>
/// <param name="Wins">Seeds with a positive difference.</param>
/// <param name="Losses">Seeds with a negative difference.</param>
/// <param name="Ties">Seeds with a zero difference (left out of the sign test).</param>
/// <param name="SignP">Exact two-sided sign-test p-value.</param>
/// <param name="TP">Two-sided paired t-test p-value (H0: mean difference 0).</param>
/// <param name="HolmP">Holm-adjusted p-value across the table's rows; NaN until <see cref="Statistics.WithHolm"/>.</param>
/// <param name="Confidence">Confidence level of both intervals (0.95).</param>
public sealed record PairedComparison(string Name, int N, double Mean, double Sd, double CiLow, double CiHigh,
    double BootstrapLow, double BootstrapHigh, int Wins, int Losses, int Ties, double SignP, double TP, double HolmP,
    double Confidence = 0.95)
{
    /// <summary>Column names matching <see cref="CsvValues"/> (for results.csv).</summary>
    public static IReadOnlyList<string> CsvHeader { get; } =
        ["n", "mean_diff", "sd_diff", "ci_low", "ci_high", "boot_low", "boot_high", "wins", "losses", "ties", "sign_p", "t_p", "holm_p"];

    /// <summary>The values in <see cref="CsvHeader"/>'s order, invariant culture, NaN as empty.</summary>
    public IReadOnlyList<string> CsvValues() =>
    [
        N.ToString(CultureInfo.InvariantCulture), F(Mean), F(Sd), F(CiLow), F(CiHigh), F(BootstrapLow), F(BootstrapHigh),
        Wins.ToString(CultureInfo.InvariantCulture), Losses.ToString(CultureInfo.InvariantCulture),
        Ties.ToString(CultureInfo.InvariantCulture), F(SignP), F(TP), F(HolmP),
    ];

    /// <summary>E.g. <c>+3.00 [+0.14, +5.86] boot [+1.00, +5.00], 5/5 wins, sign p 0.0625, t p 0.043, Holm p 0.13 (n = 5)</c>.</summary>
    public override string ToString()
    {
        var ic = CultureInfo.InvariantCulture;
        string S(double v) => double.IsNaN(v) ? "n/a" : v.ToString("+0.00;-0.00;0.00", ic);
        string P(double v) => double.IsNaN(v) ? "n/a" : v < 0.001 ? v.ToString("0.0e0", ic) : v.ToString("0.####", ic);
        var head = Name.Length > 0 ? Name + ": " : "";
        var holm = double.IsNaN(HolmP) ? "" : $", Holm p {P(HolmP)}";
        return $"{head}{S(Mean)} [{S(CiLow)}, {S(CiHigh)}] boot [{S(BootstrapLow)}, {S(BootstrapHigh)}], " +
               $"{Wins}/{Wins + Losses} wins{(Ties > 0 ? $" ({Ties} ties)" : "")}, sign p {P(SignP)}, t p {P(TP)}{holm} (n = {N})";
    }

    private static string F(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A mean with its Student-t confidence interval.</summary>
/// <param name="Mean">Sample mean.</param>
/// <param name="Low">Lower bound (NaN for n &lt; 2).</param>
/// <param name="High">Upper bound (NaN for n &lt; 2).</param>
/// <param name="Sd">Sample standard deviation (n - 1; NaN for n &lt; 2).</param>
/// <param name="N">Number of values.</param>
public sealed record MeanInterval(double Mean, double Low, double High, double Sd, int N)
{
    /// <summary>E.g. <c>0.412 [0.301, 0.523] (n = 5)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Mean:0.000} [{Low:0.000}, {High:0.000}] (n = {N})");
}

/// <summary>
/// A correlation measured once per seed and summarised across seeds: the mean coefficient with a t CI, and the
/// Fisher-z summary (mean of atanh r with a t CI, transformed back), plus the t-test p-value of "mean r = 0".
/// </summary>
/// <param name="PerSeed">The per-seed coefficients (NaN seeds — a constant variable — are left out of the summaries).</param>
/// <param name="Mean">Mean coefficient with its t CI.</param>
/// <param name="FisherMean">tanh of the mean Fisher z.</param>
/// <param name="FisherLow">tanh of the lower t bound of the mean Fisher z.</param>
/// <param name="FisherHigh">tanh of the upper t bound of the mean Fisher z.</param>
/// <param name="TP">Two-sided one-sample t-test p-value of the per-seed coefficients against 0.</param>
public sealed record CorrelationAcrossSeeds(IReadOnlyList<double> PerSeed, MeanInterval Mean, double FisherMean,
    double FisherLow, double FisherHigh, double TP)
{
    /// <summary>E.g. <c>rho -0.136 [-0.201, -0.071] (Fisher -0.136 [-0.200, -0.071]), t p 0.004, 5 seeds</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"rho {Mean.Mean:+0.000;-0.000} [{Mean.Low:+0.000;-0.000}, {Mean.High:+0.000;-0.000}] (Fisher {FisherMean:+0.000;-0.000} [{FisherLow:+0.000;-0.000}, {FisherHigh:+0.000;-0.000}]), t p {TP:0.####}, {Mean.N} seeds");
}

/// <summary>Student's t distribution: CDF, two-sided tail and quantiles (exact to ~1e-12 via the regularised incomplete beta).</summary>
public static class StudentT
{
    /// <summary>P(T &lt;= t) with <paramref name="df"/> degrees of freedom.</summary>
    public static double Cdf(double t, double df)
    {
        CheckDf(df);
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsPositiveInfinity(t)) return 1;
        if (double.IsNegativeInfinity(t)) return 0;
        double tail = 0.5 * Spearman.RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>P(|T| &gt;= |t|).</summary>
    public static double TwoSidedP(double t, double df)
    {
        CheckDf(df);
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsInfinity(t)) return 0;
        return Spearman.RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
    }

    /// <summary>The t with P(T &lt;= t) = <paramref name="p"/> (e.g. <c>Quantile(0.975, 4)</c> = 2.776445).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> outside (0, 1) or df not positive.</exception>
    public static double Quantile(double p, double df)
    {
        CheckDf(df);
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "StudentT.Quantile: p must be in (0, 1).");
        if (p == 0.5) return 0;
        // Solve TwoSidedP(t) = q for t > 0: bracket by doubling, then bisect to full double precision (the tail is
        // monotone, so this cannot fail to converge).
        double q = 2 * Math.Min(p, 1 - p);
        double lo = 0, hi = 1;
        while (TwoSidedP(hi, df) > q)
        {
            lo = hi;
            hi *= 2;
            if (hi > 1e300) break;
        }
        for (int i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (TwoSidedP(mid, df) > q) lo = mid;
            else hi = mid;
        }
        double t = 0.5 * (lo + hi);
        return p > 0.5 ? t : -t;
    }

    private static void CheckDf(double df)
    {
        if (!(df > 0) || double.IsInfinity(df))
            throw new ArgumentOutOfRangeException(nameof(df), df, "Student's t: degrees of freedom must be positive and finite.");
    }
}

/// <summary>
/// Statistics that let a table carry a verdict across seeds: paired differences by seed (t and bootstrap CIs, sign
/// test, t test), Holm correction across a table's rows, Spearman per seed with a CI across seeds, and the
/// underlying pieces (t CIs, bootstrap CIs, binomial tails).
/// </summary>
public static class Statistics
{
    /// <summary>Bootstrap resamples used unless told otherwise.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>
    /// Paired comparison of <paramref name="candidate"/> minus <paramref name="reference"/>, matched by seed (both
    /// must hold exactly the same seeds).
    /// </summary>
    /// <exception cref="ArgumentException">The seeds differ (the message lists the unmatched ones), or a value is NaN.</exception>
    public static PairedComparison Paired(IReadOnlyDictionary<int, double> candidate, IReadOnlyDictionary<int, double> reference,
        string name = "", int bootstrapSeed = 0, int resamples = DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(reference);
        var onlyCandidate = candidate.Keys.Except(reference.Keys).Order().ToList();
        var onlyReference = reference.Keys.Except(candidate.Keys).Order().ToList();
        if (onlyCandidate.Count > 0 || onlyReference.Count > 0)
            throw new ArgumentException(
                $"Paired comparison '{name}': the seeds must match; only in the candidate: [{string.Join(", ", onlyCandidate)}], " +
                $"only in the reference: [{string.Join(", ", onlyReference)}].", nameof(reference));
        var seeds = candidate.Keys.Order().ToList();
        return Paired(seeds.Select(s => candidate[s]).ToList(), seeds.Select(s => reference[s]).ToList(), name, bootstrapSeed, resamples, confidence);
    }

    /// <summary>Paired comparison of <paramref name="candidate"/>[i] minus <paramref name="reference"/>[i] (i = seed index).</summary>
    /// <exception cref="ArgumentException">Different lengths, no pairs, or NaN values.</exception>
    public static PairedComparison Paired(IReadOnlyList<double> candidate, IReadOnlyList<double> reference,
        string name = "", int bootstrapSeed = 0, int resamples = DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(reference);
        if (candidate.Count != reference.Count)
            throw new ArgumentException($"Paired comparison '{name}': {candidate.Count} candidate values but {reference.Count} reference values; pass one per seed in the same order.", nameof(reference));
        var diffs = candidate.Zip(reference, (a, b) => a - b).ToList();
        return FromDifferences(diffs, name, bootstrapSeed, resamples, confidence);
    }

    /// <summary>Paired comparison from the per-seed differences themselves.</summary>
    /// <exception cref="ArgumentException">No differences, NaN values, or a confidence outside (0, 1).</exception>
    public static PairedComparison FromDifferences(IReadOnlyList<double> differences, string name = "", int bootstrapSeed = 0,
        int resamples = DefaultResamples, double confidence = 0.95)
    {
        CheckValues(differences, $"Paired comparison '{name}'");
        var ci = MeanCi(differences, confidence);
        var (bLow, bHigh) = differences.Count >= 2 ? BootstrapMeanCi(differences, bootstrapSeed, resamples, confidence) : (double.NaN, double.NaN);
        int wins = differences.Count(d => d > 0), losses = differences.Count(d => d < 0);
        return new PairedComparison(name ?? "", differences.Count, ci.Mean, ci.Sd, ci.Low, ci.High, bLow, bHigh,
            wins, losses, differences.Count - wins - losses, SignTest(wins, losses), OneSampleTP(differences), double.NaN, confidence);
    }

    /// <summary>
    /// A table's paired comparisons in one call: every row except <paramref name="reference"/> minus the reference,
    /// seed by seed (<see cref="Paired(IReadOnlyDictionary{int, double}, IReadOnlyDictionary{int, double}, string, int, int, double)"/>),
    /// in the rows' order, Holm-corrected across them.
    /// </summary>
    /// <param name="rows">Row name → (seed → metric).</param>
    /// <param name="reference">The row every other row is compared with (e.g. the specialised network).</param>
    /// <param name="basis">Which p-value Holm adjusts.</param>
    /// <param name="bootstrapSeed">Seed of every row's bootstrap.</param>
    /// <exception cref="ArgumentException">The reference row is missing, or a row's seeds differ from the reference's.</exception>
    public static IReadOnlyList<PairedComparison> CompareAll(IReadOnlyDictionary<string, IReadOnlyDictionary<int, double>> rows, string reference,
        HolmBasis basis = HolmBasis.TTest, int bootstrapSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!rows.TryGetValue(reference, out var baseline))
            throw new ArgumentException($"CompareAll: no row '{reference}' to compare with; rows are {string.Join(", ", rows.Keys.Select(k => $"'{k}'"))}.", nameof(reference));
        var compared = rows.Where(r => r.Key != reference)
            .Select(r => Paired(r.Value, baseline, $"{r.Key} - {reference}", bootstrapSeed))
            .ToList();
        return WithHolm(compared, basis);
    }

    /// <summary>The rows with <see cref="PairedComparison.HolmP"/> set: Holm's step-down correction across all rows.</summary>
    public static IReadOnlyList<PairedComparison> WithHolm(IReadOnlyList<PairedComparison> rows, HolmBasis basis = HolmBasis.TTest)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var adjusted = Holm(rows.Select(r => basis == HolmBasis.TTest ? r.TP : r.SignP).ToList());
        return rows.Select((r, i) => r with { HolmP = adjusted[i] }).ToList();
    }

    /// <summary>
    /// Holm-Bonferroni adjusted p-values, in the input's order: sorted ascending, p_(j) becomes
    /// max over k &lt;= j of min(1, (m - k + 1) p_(k)). NaN entries stay NaN and do not count in m.
    /// </summary>
    /// <exception cref="ArgumentException">A p-value outside [0, 1].</exception>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        int bad = pValues.ToList().FindIndex(p => p < 0 || p > 1);
        if (bad >= 0)
            throw new ArgumentException($"Holm: p-values must lie in [0, 1]; p[{bad}] is {pValues[bad].ToString(CultureInfo.InvariantCulture)}.", nameof(pValues));
        var result = Enumerable.Repeat(double.NaN, pValues.Count).ToArray();
        var order = Enumerable.Range(0, pValues.Count).Where(i => !double.IsNaN(pValues[i])).OrderBy(i => pValues[i]).ToList();
        int m = order.Count;
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            running = Math.Max(running, Math.Min(1, (m - k) * pValues[order[k]]));
            result[order[k]] = running;
        }
        return result;
    }

    /// <summary>
    /// Exact two-sided sign test: with n = wins + losses (ties dropped) and X ~ Binomial(n, 1/2),
    /// p = min(1, 2 min(P(X &lt;= wins), P(X &gt;= wins))). 5 wins of 5 gives 0.0625; no informative pairs gives 1.
    /// </summary>
    public static double SignTest(int wins, int losses)
    {
        if (wins < 0 || losses < 0) throw new ArgumentOutOfRangeException(wins < 0 ? nameof(wins) : nameof(losses), "Sign test: counts must be non-negative.");
        int n = wins + losses;
        if (n == 0) return 1;
        double lower = BinomialHalfCdf(wins, n), upper = BinomialHalfCdf(n - wins, n);   // P(X <= w), P(X >= w)
        return Math.Min(1, 2 * Math.Min(lower, upper));
    }

    /// <summary>The mean with its two-sided Student-t interval at <paramref name="confidence"/>.</summary>
    /// <exception cref="ArgumentException">No values, NaN values, or a confidence outside (0, 1).</exception>
    public static MeanInterval MeanCi(IReadOnlyList<double> values, double confidence = 0.95)
    {
        CheckValues(values, "MeanCi");
        CheckConfidence(confidence);
        int n = values.Count;
        double mean = values.Average();
        if (n < 2) return new MeanInterval(mean, double.NaN, double.NaN, double.NaN, n);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double half = StudentT.Quantile(0.5 + confidence / 2, n - 1) * sd / Math.Sqrt(n);
        return new MeanInterval(mean, mean - half, mean + half, sd, n);
    }

    /// <summary>
    /// Percentile-bootstrap interval of the mean: <paramref name="resamples"/> resamples with replacement drawn by
    /// <see cref="Random"/>(<paramref name="seed"/>) (same seed, same interval), bounds at the (1 ± confidence) / 2
    /// quantiles of the resampled means (linear interpolation, numpy's default).
    /// </summary>
    public static (double Low, double High) BootstrapMeanCi(IReadOnlyList<double> values, int seed = 0, int resamples = DefaultResamples, double confidence = 0.95)
    {
        CheckValues(values, "BootstrapMeanCi");
        CheckConfidence(confidence);
        if (resamples < 100) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "Bootstrap: use at least 100 resamples.");
        var rng = new Random(seed);
        int n = values.Count;
        var means = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += values[rng.Next(n)];
            means[b] = s / n;
        }
        Array.Sort(means);
        return (Percentile(means, (1 - confidence) / 2), Percentile(means, (1 + confidence) / 2));
    }

    /// <summary>Two-sided one-sample t-test p-value of the values against 0 (NaN for n &lt; 2; 1 or 0 when all values are equal).</summary>
    public static double OneSampleTP(IReadOnlyList<double> values)
    {
        CheckValues(values, "OneSampleTP");
        int n = values.Count;
        if (n < 2) return double.NaN;
        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        if (sd == 0) return mean == 0 ? 1 : 0;
        return StudentT.TwoSidedP(mean / (sd / Math.Sqrt(n)), n - 1);
    }

    /// <summary>
    /// Spearman's rho computed per seed (one (x, y) sample per seed, e.g. occluded fraction vs steps over that seed's
    /// test images), summarised across seeds (<see cref="AcrossSeeds"/>).
    /// </summary>
    public static CorrelationAcrossSeeds SpearmanAcrossSeeds(IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> perSeed, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(perSeed);
        return AcrossSeeds(perSeed.Select(s => Spearman.Correlate(s.X, s.Y).Coefficient).ToList(), confidence);
    }

    /// <summary>
    /// Summarises per-seed correlation coefficients: mean with a t CI, Fisher-z mean and t CI transformed back, and
    /// the t-test p-value against 0. NaN coefficients (a constant variable in that seed) are left out.
    /// </summary>
    /// <exception cref="ArgumentException">No finite coefficient, or one outside [-1, 1].</exception>
    public static CorrelationAcrossSeeds AcrossSeeds(IReadOnlyList<double> coefficients, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        var r = coefficients.Where(c => !double.IsNaN(c)).ToList();
        if (r.Count == 0) throw new ArgumentException("Correlation across seeds: no seed has a defined coefficient.", nameof(coefficients));
        if (r.Any(c => c < -1 || c > 1)) throw new ArgumentException("Correlation across seeds: coefficients must lie in [-1, 1].", nameof(coefficients));
        var mean = MeanCi(r, confidence);
        // atanh(+-1) is infinite; clamp so a perfect seed does not make the summary infinite.
        var z = r.Select(c => Math.Atanh(Math.Clamp(c, -0.999999, 0.999999))).ToList();
        var zi = MeanCi(z, confidence);
        return new CorrelationAcrossSeeds(coefficients.ToList(), mean, Math.Tanh(zi.Mean), Math.Tanh(zi.Low), Math.Tanh(zi.High), OneSampleTP(r));
    }

    /// <summary>P(X &lt;= k) for X ~ Binomial(n, 1/2): exact dyadic terms C(n, i) 2^-n for n &lt;= 1000, log space beyond.</summary>
    internal static double BinomialHalfCdf(int k, int n)
    {
        if (k < 0) return 0;
        if (k >= n) return 1;
        double sum = 0;
        if (n <= 1000)
        {
            double term = Math.ScaleB(1, -n);   // C(n, 0) / 2^n
            for (int i = 0; i <= k; i++)
            {
                sum += term;
                term = term * (n - i) / (i + 1);
            }
        }
        else
        {
            for (int i = 0; i <= k; i++)
                sum += Math.Exp(Spearman.LogGamma(n + 1) - Spearman.LogGamma(i + 1) - Spearman.LogGamma(n - i + 1) - n * Math.Log(2));
        }
        return Math.Min(1, sum);
    }

    private static double Percentile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static void CheckValues(IReadOnlyList<double> values, string what)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException($"{what}: no values (expected one per seed).", nameof(values));
        int bad = values.ToList().FindIndex(v => !double.IsFinite(v));
        if (bad >= 0) throw new ArgumentException($"{what}: value {bad} is {values[bad].ToString(CultureInfo.InvariantCulture)}; expected finite numbers.", nameof(values));
    }

    private static void CheckConfidence(double confidence)
    {
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be in (0, 1), e.g. 0.95.");
    }
}
