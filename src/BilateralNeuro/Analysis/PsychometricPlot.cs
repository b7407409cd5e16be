using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Draws psychometric curves as an image without text (for <see cref="PngWriter"/>): a grid of panels, one per fit,
/// each with the morph level 0..1 on x and P(positive) 0..1 on y, a grey frame and 0.5 gridlines, the human reference
/// curve (PSE <see cref="Psychometric.HumanPse"/>, slope <see cref="Psychometric.HumanSlope"/>) in black, the fitted
/// curve in blue and the observed proportions as red dots.
/// </summary>
public static class PsychometricPlot
{
    /// <summary>Renders <paramref name="panels"/> (rows of fits; null leaves a panel blank) as float (3, H, W) in [0, 1].</summary>
    /// <param name="panels">Row-major panels; rows may differ in length.</param>
    /// <param name="panelSize">Side of one panel in pixels (at least 32).</param>
    public static Tensor Grid(IReadOnlyList<IReadOnlyList<PsychometricResult?>> panels, int panelSize = 120)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("PsychometricPlot: no panels.", nameof(panels));
        if (panelSize < 32) throw new ArgumentOutOfRangeException(nameof(panelSize), panelSize, "PsychometricPlot: panels need at least 32 px.");
        int cols = panels.Max(r => r.Count), rows = panels.Count;
        int w = cols * panelSize, h = rows * panelSize;
        var img = new float[3, h, w];
        for (int i = 0; i < 3; i++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img[i, y, x] = 1f;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < panels[r].Count; c++)
                DrawPanel(img, panels[r][c], c * panelSize, r * panelSize, panelSize);
        var flat = new float[3 * h * w];
        Buffer.BlockCopy(img, 0, flat, 0, flat.Length * sizeof(float));
        return torch.tensor(flat).reshape(3, h, w);
    }

    private static void DrawPanel(float[,,] img, PsychometricResult? fit, int ox, int oy, int size)
    {
        int m = Math.Max(4, size / 12);
        int plot = size - 2 * m;
        (int X, int Y) At(double level, double p) => (ox + m + (int)Math.Round(level * (plot - 1)), oy + m + (int)Math.Round((1 - p) * (plot - 1)));
        float[] grey = [0.7f, 0.7f, 0.7f], light = [0.88f, 0.88f, 0.88f];
        for (int t = 0; t < plot; t++)
        {
            double f = t / (double)(plot - 1);
            Set(img, At(f, 0.5), light);
            Set(img, At(0.5, f), light);
            Set(img, At(f, 0), grey);
            Set(img, At(f, 1), grey);
            Set(img, At(0, f), grey);
            Set(img, At(1, f), grey);
        }
        Curve(img, x => Psychometric.HumanReferenceProbability(x), At, plot, [0f, 0f, 0f], thick: true);
        if (fit is null) return;
        Curve(img, fit.Fit.Probability, At, plot, [0.1f, 0.3f, 0.95f], thick: false);
        var p = fit.Proportions;
        for (int i = 0; i < p.Length; i++)
        {
            if (double.IsNaN(p[i])) continue;
            var (x, y) = At(fit.Levels[i], p[i]);
            for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) Set(img, (x + dx, y + dy), [0.9f, 0.1f, 0.1f]);
        }
    }

    private static void Curve(float[,,] img, Func<double, double> f, Func<double, double, (int X, int Y)> at, int plot, float[] colour, bool thick)
    {
        (int X, int Y)? last = null;
        for (int t = 0; t < 4 * plot; t++)
        {
            double x = t / (4.0 * plot - 1);
            var pt = at(x, Math.Clamp(f(x), 0, 1));
            if (last is { } l)
                for (int y = Math.Min(l.Y, pt.Y); y <= Math.Max(l.Y, pt.Y); y++)
                {
                    Set(img, (pt.X, y), colour);
                    if (thick) { Set(img, (pt.X + 1, y), colour); Set(img, (pt.X, y + 1), colour); }
                }
            last = pt;
        }
    }

    private static void Set(float[,,] img, (int X, int Y) p, float[] colour)
    {
        if (p.Y < 0 || p.Y >= img.GetLength(1) || p.X < 0 || p.X >= img.GetLength(2)) return;
        for (int i = 0; i < 3; i++) img[i, p.Y, p.X] = colour[i];
    }
}
