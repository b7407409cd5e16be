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

    /// <summary>
    /// Iso-accuracy trade-off curves: effective breadth (x) against expected steps (y), one curve per accuracy band
    /// (points of similar accuracy joined in order of breadth), each point labelled with its effective depth. The axes
    /// span the data (the window's size is in the axis labels); points at nearly the same place share one label
    /// ("6/6 L x5" = five settings with 6 of 6 layers there).
    /// </summary>
    /// <param name="points">One point per pressure setting: effective channels, layers, expected steps, accuracy in percent.</param>
    /// <param name="maxLayers">The window's layers.</param>
    /// <param name="maxChannels">The window's channels over all layers (x axis limit).</param>
    /// <param name="maxSteps">The window's steps (y axis limit).</param>
    /// <param name="bandWidth">Width of an accuracy band in percentage points.</param>
    public static void IsoAccuracy(string path, string title, IReadOnlyList<(double Breadth, double Depth, double Steps, double Accuracy)> points,
        int maxLayers, int maxChannels, int maxSteps, double bandWidth = 5)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var band in points.GroupBy(p => Math.Floor(p.Accuracy / bandWidth) * bandWidth).OrderByDescending(g => g.Key))
        {
            var sorted = band.OrderBy(p => p.Breadth).ThenBy(p => p.Steps).ToList();
            var s = plot.Add.Scatter(sorted.Select(p => p.Breadth).ToArray(), sorted.Select(p => p.Steps).ToArray());
            s.Color = palette.GetColor(i++);
            s.LineWidth = 2;
            s.MarkerSize = 9;
            s.LegendText = $"accuracy {band.Key:0}-{band.Key + bandWidth:0} % ({sorted.Count} setting{(sorted.Count == 1 ? "" : "s")})";
        }
        // One label per place: points within 5 % of the data's range share it, whatever their band.
        double x0 = points.Min(p => p.Breadth), x1 = Math.Max(points.Max(p => p.Breadth), x0 + 1);
        double y0 = points.Min(p => p.Steps), y1 = Math.Max(points.Max(p => p.Steps), y0 + 0.1);
        double dx = (x1 - x0) / 20, dy = (y1 - y0) / 20;
        foreach (var place in points.GroupBy(p => (Math.Round(p.Breadth / dx), Math.Round(p.Steps / dy))))
        {
            var depths = place.GroupBy(p => Math.Round(p.Depth, 1)).OrderByDescending(g => g.Key)
                .Select(g => $"{g.Key:0.#}/{maxLayers} L" + (g.Count() > 1 ? $" x{g.Count()}" : ""));
            var first = place.OrderByDescending(p => p.Steps).First();
            bool right = first.Breadth > x0 + 0.6 * (x1 - x0);
            var t = plot.Add.Text(string.Join(", ", depths), first.Breadth, first.Steps);
            t.LabelFontSize = 12;
            t.LabelFontColor = Colors.Black;
            t.LabelAlignment = right ? Alignment.LowerRight : Alignment.LowerLeft;
            t.OffsetX = right ? -8 : 8;
            t.OffsetY = -6;
        }
        // The data's range with room for labels; the window's size is in the axis labels.
        double padX = Math.Max(2, 0.12 * (x1 - x0)), padY = Math.Max(0.1, 0.15 * (y1 - y0));
        plot.Axes.SetLimits(Math.Max(0, x0 - padX), Math.Min(maxChannels * 1.05, x1 + padX), Math.Max(0.5, y0 - padY), Math.Min(maxSteps + 0.5, y1 + padY));
        Finish(plot, path, title + " - labels: layers used", $"effective breadth (active channels over all layers; window {maxChannels})",
            $"expected recurrent steps per image (window {maxSteps})", width: 1100, height: 650);
    }

    /// <summary>
    /// The labelled phase-map figure of a synchrony run, drawn around the data image the experiment wrote
    /// (<c>phases-MODEL-data.png</c>: top row the input, then one row per Euler step, one tile per channel, hue =
    /// phase, brightness = amplitude, 3x nearest upscaling). Writes <c>phases-MODEL.png</c> beside it with a title,
    /// axes in map pixels and steps, and a phase colour bar in radians; returns its path.
    /// </summary>
    /// <param name="dataPath">The experiment's data image.</param>
    /// <param name="steps">Euler steps T (rows below the input row).</param>
    /// <param name="upscale">Nearest-neighbour upscaling of the data image (the experiment uses 3).</param>
    public static string PhaseMap(string dataPath, int steps, int upscale = 3)
    {
        var image = new ScottPlot.Image(dataPath);
        int tile = image.Height / upscale / (steps + 1), mapWidth = image.Width / upscale;
        int channels = Math.Max(1, mapWidth / Math.Max(1, tile));
        string model = Path.GetFileNameWithoutExtension(dataPath).Replace("phases-", "", StringComparison.Ordinal).Replace("-data", "", StringComparison.Ordinal);
        var plot = new Plot();
        // x in map pixels (channel tiles side by side), y in steps: row i (0 = input) spans [T - i, T - i + 1].
        var rect = plot.Add.ImageRect(image, new CoordinateRect(0, mapWidth, 0, steps + 1));
        rect.AntiAlias = false;
        var hidden = plot.Add.Heatmap(new double[,] { { -Math.PI, Math.PI } });
        hidden.Colormap = new HueColormap();
        hidden.ManualRange = new ScottPlot.Range(-Math.PI, Math.PI);
        hidden.IsVisible = false;
        var bar = plot.Add.ColorBar(hidden);
        bar.Label = "phase (rad), hue; brightness = amplitude";
        bar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [-Math.PI, -Math.PI / 2, 0, Math.PI / 2, Math.PI], ["-π", "-π/2", "0", "π/2", "π"]);
        var rows = Enumerable.Range(0, steps + 1).Where(i => i == 0 || i == 1 || i == steps || i % 5 == 0).ToList();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            rows.Select(i => steps - i + 0.5).ToArray(), rows.Select(i => i == 0 ? "input" : i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, channels + 1).Select(c => (double)c * tile).ToArray(),
            Enumerable.Range(0, channels + 1).Select(c => (c * tile).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(0, mapWidth, 0, steps + 1);
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataPath))!, $"phases-{model}.png");
        plot.Title($"{model}: oscillator phases of one test image over {steps} Euler steps");
        plot.XLabel($"x position (pixels); tiles = channels 1-{channels} of {tile}x{tile} px, left to right");
        plot.YLabel("Euler step (top row: input image)");
        plot.SavePng(path, Math.Max(700, image.Width + 260), Math.Max(500, image.Height + 140));
        return path;
    }

    /// <summary>The phase-map hue scale (as <c>PhaseMetrics.PhaseMap</c>): position 0..1 = phase −π..π, full saturation and value.</summary>
    private sealed class HueColormap : IColormap
    {
        public string Name => "phase hue";
        public Color GetColor(double position)
        {
            double h = Math.Clamp(position, 0, 1);
            double Channel(double offset) => Math.Clamp(Math.Abs((h * 6 + offset) % 6 - 3) - 1, 0, 1);
            return Color.FromARGB((uint)(0xFF000000 | ((uint)Math.Round(255 * Channel(0)) << 16) | ((uint)Math.Round(255 * Channel(4)) << 8) | (uint)Math.Round(255 * Channel(2))));
        }
    }

    private static void Finish(Plot plot, string path, string title, string xLabel, string yLabel, int width = 800, int height = 500)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);   // outside the data area: never covers a point
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, width, height);
    }
}
