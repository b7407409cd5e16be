namespace BilateralNeuro.Analysis;

/// <summary>Nelder–Mead simplex minimiser used by the psychometric fit (unconstrained; bounds by reparametrisation).</summary>
internal static class PsychometricOptimizer
{
    public static (double[] X, double F) NelderMead(Func<double[], double> f, double[] start, double step = 0.5, int maxIterations = 4000, double tolerance = 1e-10)
    {
        int n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        simplex[0] = (double[])start.Clone();
        for (int i = 0; i < n; i++)
        {
            simplex[i + 1] = (double[])start.Clone();
            simplex[i + 1][i] += step;
        }
        for (int i = 0; i <= n; i++) values[i] = f(simplex[i]);
        for (int iter = 0; iter < maxIterations; iter++)
        {
            var order = Enumerable.Range(0, n + 1).OrderBy(i => values[i]).ToArray();
            simplex = order.Select(i => simplex[i]).ToArray();
            values = order.Select(i => values[i]).ToArray();
            if (Math.Abs(values[n] - values[0]) < tolerance * (1 + Math.Abs(values[0]))) break;
            var centroid = new double[n];
            for (int i = 0; i < n; i++)
                for (int d = 0; d < n; d++) centroid[d] += simplex[i][d] / n;
            double[] Along(double t) => centroid.Select((c, d) => c + t * (simplex[n][d] - c)).ToArray();
            var reflected = Along(-1);
            double fr = f(reflected);
            if (fr < values[0])
            {
                var expanded = Along(-2);
                double fe = f(expanded);
                (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr);
            }
            else if (fr < values[n - 1]) (simplex[n], values[n]) = (reflected, fr);
            else
            {
                var contracted = fr < values[n] ? Along(-0.5) : Along(0.5);
                double fc = f(contracted);
                if (fc < Math.Min(fr, values[n])) (simplex[n], values[n]) = (contracted, fc);
                else
                    for (int i = 1; i <= n; i++)
                    {
                        simplex[i] = simplex[i].Select((x, d) => simplex[0][d] + 0.5 * (x - simplex[0][d])).ToArray();
                        values[i] = f(simplex[i]);
                    }
            }
        }
        int best = Array.IndexOf(values, values.Min());
        return (simplex[best], values[best]);
    }

    /// <summary>Standard normal CDF, accurate to ~1e-15 (so derivatives of fitted curves, e.g. the slope at the PSE, are exact too).</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    /// <summary>erfc: Maclaurin series of erf for |x| &lt; 2, the Laplace continued fraction beyond.</summary>
    internal static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double z = Math.Abs(x);
        double r;
        if (z < 2)
        {
            // erf(z) = 2/sqrt(pi) sum (-1)^n z^(2n+1) / (n! (2n+1))
            double sum = 0, term = z;   // term = (-1)^n z^(2n+1) / n!
            for (int n = 0; n < 200; n++)
            {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
                term *= -z * z / (n + 1);
            }
            r = 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))), evaluated bottom-up.
            double f = z;
            for (int k = 300; k >= 1; k--) f = z + k / 2.0 / f;
            r = Math.Exp(-z * z) / Math.Sqrt(Math.PI) / f;
        }
        return x >= 0 ? r : 2 - r;
    }
}
