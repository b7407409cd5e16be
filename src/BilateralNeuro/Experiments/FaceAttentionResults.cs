using System.Globalization;
using System.Text;
using BilateralNeuro.Analysis;
using BilateralNeuro.Data;

namespace BilateralNeuro.Experiments;

/// <summary>One transferred model: pre-training, valence accuracy and one psychometric curve per occlusion.</summary>
public sealed record FaceAttentionModelResult(string Model, FacePretraining Pretraining, double PretrainValidationAccuracy,
    double ValenceAccuracy, IReadOnlyDictionary<FaceOcclusion, PsychometricResult> Curves, IReadOnlyDictionary<FaceOcclusion, double> ContinuumAccuracy,
    TimeSpan TransferTime, double TransferTrainAccuracy, double TransferValidationAccuracy,
    IReadOnlyDictionary<FaceOcclusion, double> SaliencyShares);

/// <summary>Timing of one transfer epoch with and without the frozen-feature cache (same model, same data, same run).</summary>
public sealed record CacheBenchmark(string Model, double UncachedEpochSeconds, double CachedEpochSeconds, double CacheBuildSeconds)
{
    /// <summary>Uncached / cached epoch time.</summary>
    public double Speedup => UncachedEpochSeconds / CachedEpochSeconds;
}

/// <summary>Everything the experiment measured.</summary>
public sealed record FaceAttentionReport(FaceAttentionExperimentOptions Options, IReadOnlyList<FaceAttentionModelResult> Models,
    CacheBenchmark? Benchmark, ResultTable Table, TimeSpan Elapsed) : IExperimentResult
{
    /// <summary>The curves as CSV: model, pretraining, occlusion, level, trials, positives, observed and fitted P(positive).</summary>
    public string CurvesCsv()
    {
        var sb = new StringBuilder("model,pretraining,occlusion,level,trials,positives,observed,fitted\n");
        foreach (var m in Models)
            foreach (var (occ, c) in m.Curves)
                for (int i = 0; i < c.Levels.Length; i++)
                    sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"{m.Model},{m.Pretraining},{occ},{c.Levels[i]:F3},{c.Trials[i]},{c.Positives[i]},{c.Proportions[i]:F4},{c.Fit.Probability(c.Levels[i]):F4}"));
        return sb.ToString();
    }

    /// <summary>A compact Markdown table: one row per model and pre-training, columns per occlusion.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| model | pretraining | valence acc. | occlusion | PSE [95% CI] | slope 1/σ [95% CI] | abs ΔPSE | z |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var m in Models)
            foreach (var (occ, c) in m.Curves)
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {m.Model} | {m.Pretraining} | {m.ValenceAccuracy:P1} | {occ} | {c.Fit.Pse:F3} [{c.PseLow:F3}, {c.PseHigh:F3}] | {c.Fit.Slope:F2} [{c.SlopeLow:F2}, {c.SlopeHigh:F2}] | {c.DeltaPse:F3} | {c.ZScore:F2} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| humans (SE-AlexNet lab, n = 40) | - | - | None | {Psychometric.HumanPse:F3} (SD {Psychometric.HumanPseSd:F3}) | ~{Psychometric.HumanSlope:F2} | 0 | 0 |"));
        sb.AppendLine();
        sb.AppendLine("| model | pretraining | Grad-CAM share: eyes+brows | nose | mouth |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var m in Models.Where(m => m.SaliencyShares.Count > 0))
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Model} | {m.Pretraining} | {m.SaliencyShares.GetValueOrDefault(FaceOcclusion.Eyes):P1} | {m.SaliencyShares.GetValueOrDefault(FaceOcclusion.Nose):P1} | {m.SaliencyShares.GetValueOrDefault(FaceOcclusion.Mouth):P1} |"));
        return sb.ToString();
    }
}
