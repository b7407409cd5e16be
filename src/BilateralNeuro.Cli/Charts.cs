using ScottPlot;

namespace BilateralNeuro.Cli;

/// <summary>PNG charts for run folders (ScottPlot).</summary>
public static class Charts
{
    /// <summary>A line chart of several named series over a shared x axis.</summary>
    /// <param name="referenceFirst">Draw the first series as a reference: thick black line, no markers.</param>
    /// <param name="yLimits">Fixed y range, or null to fit the data.</param>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<(string Name, double[] X, double[] Y)> series,
        bool integerX = true, bool referenceFirst = false, (double Low, double High)? yLimits = null)
    {
        var plot = new Plot();
        if (integerX) plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        bool first = true;
        foreach (var (name, x, y) in series)
        {
            var s = plot.Add.Scatter(x, y);
            s.LegendText = name;
            if (first && referenceFirst)
            {
                s.Color = Colors.Black;
                s.LineWidth = 3;
                s.MarkerSize = 0;
            }
            first = false;
        }
        if (yLimits is { } limits) plot.Axes.SetLimitsY(limits.Low, limits.High);
        Finish(plot, path, title, xLabel, yLabel);
    }

    /// <summary>A scatter chart of groups of points.</summary>
    public static void Points(string path, string title, string xLabel, string yLabel, IEnumerable<(string Name, double[] X, double[] Y)> groups)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in groups)
        {
            var s = plot.Add.ScatterPoints(x, y);
            s.MarkerSize = 10;
            s.LegendText = name;
        }
        Finish(plot, path, title, xLabel, yLabel);
    }

    private static void Finish(Plot plot, string path, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);   // outside the data area: never covers a point
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }
}
