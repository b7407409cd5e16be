using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;

namespace BilateralNeuro.Cli;

/// <summary>The face-attention run's figures: one psychometric overlay per pre-training and one probe plot per backbone.</summary>
public static class FaceAttentionCharts
{
    /// <summary>Morph levels at which the human reference curve is drawn (0..1 in steps of 0.01).</summary>
    public static double[] HumanLevels { get; } = Enumerable.Range(0, 101).Select(i => i / 100.0).ToArray();

    /// <summary>
    /// The human reference curve at <see cref="HumanLevels"/>: <see cref="Psychometric.HumanReferenceProbability"/>
    /// (PSE 0.514, derivative 4.19 at the PSE).
    /// </summary>
    public static double[] HumanCurve() => HumanLevels.Select(Psychometric.HumanReferenceProbability).ToArray();

    /// <summary>Writes <c>psychometric-{pretraining}.png</c> and <c>probes-{backbone}.png</c> into <paramref name="dir"/>; returns the file names.</summary>
    public static IReadOnlyList<string> Write(FaceAttentionReport report, string dir)
    {
        ArgumentNullException.ThrowIfNull(report);
        var files = new List<string>();
        var o = report.Options;
        int seeds = o.Seeds.Count;
        foreach (var pt in o.Pretrainings)
        {
            var series = new List<(string, double[], double[])> { ("humans (PSE 0.514, slope 4.19)", HumanLevels, HumanCurve()) };
            foreach (var model in o.Models)
            {
                var (x, y) = report.MeanCurve(pt, model, o.Occlusions[0]);
                if (x.Length > 0) series.Add((model, x, y));
            }
            string file = $"psychometric-{pt.ToString().ToLowerInvariant()}.png";
            Charts.Lines(Path.Combine(dir, file), $"{Source(pt)}, mean of {seeds} seeds",
                "morph level (sad -> happy)", "P(happy)", series, integerX: false, referenceFirst: true, yLimits: (-0.02, 1.02));
            files.Add(file);
        }
        foreach (var arch in report.Probes.Select(p => p.Architecture).Distinct())
        {
            var series = new List<(string, double[], double[])>();
            foreach (var pt in o.Pretrainings)
            {
                var rows = report.Probes.Where(p => p.Architecture == arch && p.Pretraining == pt).ToList();
                if (rows.Count == 0) continue;
                series.Add((Source(pt), rows.Select((_, i) => i + 1.0).ToArray(), rows.Select(r => r.Accuracy.Mean).ToArray()));
            }
            int layers = series.Count == 0 ? 0 : series.Max(s => s.Item2.Length);
            series.Add(("chance (50 %)", [1, Math.Max(2, layers)], [0.5, 0.5]));
            string file = $"probes-{arch.ToLowerInvariant()}.png";
            Charts.Lines(Path.Combine(dir, file), $"{arch}: valence probe by conv block",
                "conv block (1 = first, 5 = last)", "probe accuracy (held-out identities)", series, integerX: true, yLimits: (0, 1.02));
            files.Add(file);
        }
        return files;
    }

    private static string Source(FacePretraining pt) => pt == FacePretraining.RandomInit ? "random init (not pre-trained)" : $"pre-trained on {FaceAttentionReport.Describe(pt)}";
}
