namespace BilateralNeuro.Analysis;

/// <summary>A correlation coefficient with its two-sided p-value from the t approximation.</summary>
/// <param name="Coefficient">r (Pearson) or rho (Spearman); NaN when a variable is constant.</param>
/// <param name="PValue">Two-sided p-value of t = r * sqrt((n - 2) / (1 - r^2)) with n - 2 degrees of freedom.</param>
/// <param name="N">Number of pairs.</param>
public sealed record CorrelationResult(double Coefficient, double PValue, int N)
{
    /// <summary>One readable line, e.g. <c>r = +0.143, p = 0.0021 (n = 6000)</c>.</summary>
    public override string ToString() =>
        System.FormattableString.Invariant($"r = {Coefficient:+0.000;-0.000;0.000}, p = {PValue:0.####} (n = {N})");
}

/// <summary>
/// Spearman's rank correlation (Pearson's r of average ranks, so ties are handled) and Pearson's r, with two-sided
/// p-values from Student's t with n - 2 degrees of freedom (as scipy.stats.spearmanr / pearsonr do for Spearman;
/// Pearson's exact test coincides with this t test under normality).
/// </summary>
public static class Spearman
{
    /// <summary>Spearman's rho of the pairs (x_i, y_i).</summary>
    public static CorrelationResult Correlate(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>Pearson's r of the pairs (x_i, y_i).</summary>
    public static CorrelationResult Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n = x.Count;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return new CorrelationResult(double.NaN, double.NaN, n);
        double r = Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
        return new CorrelationResult(r, PValue(r, n), n);
    }

    /// <summary>Two-sided p-value of a correlation r over n pairs (t approximation).</summary>
    public static double PValue(double r, int n)
    {
        if (n < 3) return double.NaN;
        if (Math.Abs(r) >= 1) return 0;
        int df = n - 2;
        double t = r * Math.Sqrt(df / (1 - r * r));
        return StudentTwoSided(t, df);
    }

    /// <summary>P(|T| &gt;= |t|) for Student's t with <paramref name="df"/> degrees of freedom.</summary>
    public static double StudentTwoSided(double t, double df)
    {
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "Degrees of freedom must be positive.");
        if (double.IsNaN(t)) return double.NaN;
        return RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
    }

    /// <summary>Average ranks (1-based; ties share the mean of their positions).</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>The regularised incomplete beta function I_x(a, b) (continued fraction, modified Lentz).</summary>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        if (x < (a + 1) / (a + b + 2)) return Math.Exp(lnFront) * BetaFraction(a, b, x) / a;
        return 1 - Math.Exp(lnFront) * BetaFraction(b, a, 1 - x) / b;
    }

    private static double BetaFraction(double a, double b, double x)
    {
        const double tiny = 1e-300, eps = 1e-15;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 500; m++)
        {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d; h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < eps) break;
        }
        return h;
    }

    /// <summary>ln Gamma(x) for x &gt; 0 (Lanczos, g = 7, 9 terms).</summary>
    public static double LogGamma(double x)
    {
        double[] c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double s = c[0];
        for (int i = 1; i < 9; i++) s += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(s);
    }

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"Spearman: x has {x.Count} values but y has {y.Count}.", nameof(y));
        if (x.Count < 2) throw new ArgumentException($"Spearman: at least 2 pairs are needed (got {x.Count}).", nameof(x));
        if (x.Any(double.IsNaN) || y.Any(double.IsNaN)) throw new ArgumentException("Spearman: the values contain NaN.", nameof(x));
    }
}
