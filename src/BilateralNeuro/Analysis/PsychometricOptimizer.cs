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

    /// <summary>Standard normal CDF (erfc approximation with fractional error below 1.2e-7).</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
