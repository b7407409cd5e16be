using System.Globalization;
using System.Text;
using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>One layer's identity-grouped, cross-validated linear valence probe on the frozen network.</summary>
/// <param name="Layer">Conv block (AlexNet conv1..conv5, VGG block1..block5).</param>
/// <param name="Accuracy">Cross-validated accuracy (folds grouped by identity).</param>
/// <param name="FoldAccuracies">Accuracy of each fold.</param>
public sealed record FaceProbeLayer(string Layer, double Accuracy, IReadOnlyList<double> FoldAccuracies);

/// <summary>One psychometric curve of one model and seed: P(happy) per morph level and the lab-style fit.</summary>
/// <param name="Occlusion">Region hidden on the morph.</param>
/// <param name="Fit">The fit (or "no fit" with its reason); <see cref="PsychometricCurveFit.Levels"/> and <see cref="PsychometricCurveFit.Probabilities"/> hold the data.</param>
public sealed record FaceCurve(FaceOcclusion Occlusion, PsychometricCurveFit Fit);

/// <summary>One (seed, pre-training, model) of the face-attention protocol.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Pretraining">Source of the frozen conv weights.</param>
/// <param name="Model">AlexNet, FE-AlexNet, Ungated-AlexNet, VGG11, VGG13 or VGG16.</param>
/// <param name="Architecture">The backbone (AlexNet for the three AlexNet models: they share pre-training, probes and feature cache).</param>
/// <param name="PretrainAccuracy">Best validation accuracy of the pre-training task (NaN for random init).</param>
/// <param name="PretrainChance">Chance accuracy of the pre-training task (1 / classes; NaN for random init).</param>
/// <param name="Probes">Linear valence probe accuracy per conv block of the frozen backbone.</param>
/// <param name="TransferValidationAccuracy">Valence accuracy on the validation identities at the selected step.</param>
/// <param name="TransferAccuracy">Valence accuracy on held-out test identities.</param>
/// <param name="TransferSteps">Optimiser steps of the transfer.</param>
/// <param name="Curves">One curve per occlusion.</param>
/// <param name="PretrainEpochs">Pre-training epochs run (fewer than the maximum when the stated target was reached; 0 for random init).</param>
public sealed record FaceAttentionSeedResult(int Seed, FacePretraining Pretraining, string Model, string Architecture,
    double PretrainAccuracy, double PretrainChance, IReadOnlyList<FaceProbeLayer> Probes, double TransferValidationAccuracy, double TransferAccuracy,
    int TransferSteps, IReadOnlyList<FaceCurve> Curves, int PretrainEpochs = 0)
{
    /// <summary>Probe accuracy of the last conv block (the map fc6 and the attention block read).</summary>
    public double LastLayerProbe => Probes.Count == 0 ? double.NaN : Probes[^1].Accuracy;

    /// <summary>The curve of one occlusion (null when not measured).</summary>
    public PsychometricCurveFit? Curve(FaceOcclusion occlusion) => Curves.FirstOrDefault(c => c.Occlusion == occlusion)?.Fit;
}

/// <summary>One row of the summary: a model under one pre-training and occlusion, mean and 95 % t CI over seeds.</summary>
/// <param name="Pretraining">Pre-training.</param>
/// <param name="Model">Model.</param>
/// <param name="Occlusion">Occlusion of the morph.</param>
/// <param name="Seeds">Seeds measured.</param>
/// <param name="PretrainAccuracy">Pre-training validation accuracy (null for random init).</param>
/// <param name="Probe">Last-conv-block probe accuracy.</param>
/// <param name="Transfer">Held-out valence accuracy.</param>
/// <param name="Psychometrics">PSE and slope over the fitted seeds ("no fit" when none was fitted).</param>
/// <param name="PretrainEpochs">Pre-training epochs run (null for random init).</param>
/// <param name="TargetReached">Seeds whose pre-training reached the stated target accuracy (null without a target or pre-training).</param>
public sealed record FaceAttentionRow(FacePretraining Pretraining, string Model, FaceOcclusion Occlusion, int Seeds,
    MeanInterval? PretrainAccuracy, MeanInterval Probe, MeanInterval Transfer, PsychometricSummary Psychometrics,
    MeanInterval? PretrainEpochs = null, int? TargetReached = null);

/// <summary>Probe accuracy of one layer of one backbone under one pre-training, over seeds.</summary>
public sealed record FaceProbeRow(FacePretraining Pretraining, string Architecture, string Layer, MeanInterval Accuracy);

/// <summary>A paired within-pre-training comparison (candidate − reference, matched by seed) of one metric.</summary>
/// <param name="Pretraining">Pre-training both models share.</param>
/// <param name="Metric">transfer accuracy, PSE or slope.</param>
/// <param name="Comparison">The difference with its CI and p-values; null when fewer than 2 seeds have the metric for both models.</param>
/// <param name="Note">Why there is no comparison (e.g. curves not fitted).</param>
public sealed record FacePairedRow(FacePretraining Pretraining, string Metric, PairedComparison? Comparison, string? Note)
{
    /// <summary>"not measured" when the CI includes 0 or there is no comparison; else "candidate higher" / "candidate lower".</summary>
    public string Verdict => Comparison is null || !(Comparison.CiLow > 0 || Comparison.CiHigh < 0) ? "not measured (CI includes 0)"
        : Comparison.CiLow > 0 ? "higher" : "lower";
}

/// <summary>Everything the face-attention experiment measured.</summary>
/// <param name="Options">The options run.</param>
/// <param name="Results">One entry per (seed, pre-training, model).</param>
/// <param name="Rows">Summary over seeds.</param>
/// <param name="Probes">Probe accuracy by layer over seeds.</param>
/// <param name="Paired">FE-AlexNet and Ungated-AlexNet against AlexNet (and FE against Ungated) within each pre-training; Holm across the transfer-accuracy rows.</param>
/// <param name="Table">Per-seed metrics for the run folder's CSV.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record FaceAttentionReport(FaceAttentionExperimentOptions Options, IReadOnlyList<FaceAttentionSeedResult> Results,
    IReadOnlyList<FaceAttentionRow> Rows, IReadOnlyList<FaceProbeRow> Probes, IReadOnlyList<FacePairedRow> Paired, ResultTable Table, TimeSpan Elapsed)
    : IExperimentResult
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    /// <summary>The curves as CSV: seed, pre-training, model, occlusion, level, P(happy) (softmax, averaged per level), fitted value (empty without a fit).</summary>
    public string CurvesCsv()
    {
        var sb = new StringBuilder("seed,pretraining,model,occlusion,level,p_happy,fitted\n");
        foreach (var r in Results)
            foreach (var c in r.Curves)
                for (int i = 0; i < c.Fit.Levels.Count; i++)
                {
                    double x = c.Fit.Levels[i];
                    string fitted = c.Fit.Fitted ? c.Fit.Probability(x).ToString("0.0000", Ic) : "";
                    sb.AppendLine(string.Create(Ic, $"{r.Seed},{r.Pretraining},{r.Model},{c.Occlusion},{x:0.000},{c.Fit.Probabilities[i]:0.0000},{fitted}"));
                }
        return sb.ToString();
    }

    /// <summary>Mean P(happy) per level over seeds for one (pre-training, model, occlusion): the curve the overlay plot draws.</summary>
    public (double[] Levels, double[] Probability) MeanCurve(FacePretraining pretraining, string model, FaceOcclusion occlusion = FaceOcclusion.None)
    {
        var fits = Results.Where(r => r.Pretraining == pretraining && r.Model == model).Select(r => r.Curve(occlusion)).OfType<PsychometricCurveFit>().ToList();
        if (fits.Count == 0) return ([], []);
        var levels = fits[0].Levels.ToArray();
        var p = levels.Select((_, i) => fits.Average(f => f.Probabilities[i])).ToArray();
        return (levels, p);
    }

    /// <summary>Main table, probe table and paired table as Markdown.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        static string Ci(MeanInterval? m, string fmt, bool percent = false)
        {
            if (m is null) return "-";
            double k = percent ? 100 : 1;
            return double.IsNaN(m.Low) ? string.Create(Ic, $"{(m.Mean * k).ToString(fmt, Ic)} (n = {m.N})")
                : string.Create(Ic, $"{(m.Mean * k).ToString(fmt, Ic)} [{(m.Low * k).ToString(fmt, Ic)}, {(m.High * k).ToString(fmt, Ic)}]");
        }
        sb.AppendLine(Options.PretrainPerSeed ? "Mean [95 % t CI] over seeds (each with its own data and pre-training):"
            : "Mean [95 % t CI] over transfer seeds on one pre-training per backbone (its accuracy once, its probe over folds):");
        sb.AppendLine();
        string Target(FacePretraining p) => (p switch { FacePretraining.Object => Options.ObjectTargetAccuracy, FacePretraining.Face => Options.FaceTargetAccuracy, _ => null }) is { } t
            ? string.Create(Ic, $"{t * 100:0} %") : "none";
        sb.AppendLine(string.Create(Ic, $"Pre-training targets (validation accuracy, training stops at the first epoch that reaches it, at most {Options.PretrainEpochs} epochs): objects {Target(FacePretraining.Object)}, faces {Target(FacePretraining.Face)}."));
        sb.AppendLine();
        sb.AppendLine("| pre-training | model | occlusion | seeds | pre-training val. acc. % | pre-training epochs | seeds at target | probe acc. % (last conv) | transfer acc. % | PSE | slope (dP/dx at PSE) | fitted seeds |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
        {
            var ps = r.Psychometrics;
            string pse = ps.Pse is null ? "no fit" : Ci(ps.Pse, "0.000");
            string slope = ps.Slope is null ? "no fit" : Ci(ps.Slope, "0.00");
            sb.AppendLine(string.Create(Ic,
                $"| {Describe(r.Pretraining)} | {r.Model} | {r.Occlusion} | {r.Seeds} | {Ci(r.PretrainAccuracy, "0.0", true)} | {Ci(r.PretrainEpochs, "0.0")} | {(r.TargetReached is { } k ? $"{k}/{r.Seeds}" : "-")} | {Ci(r.Probe, "0.0", true)} | {Ci(r.Transfer, "0.0", true)} | {pse} | {slope} | {ps.FittedSeeds}/{ps.Seeds} |"));
        }
        sb.AppendLine(string.Create(Ic,
            $"| humans (SE-AlexNet lab, n = 40) | - | None | - | - | - | - | - | - | {Psychometric.HumanPse:0.000} (SD {Psychometric.HumanPseSd:0.000}) | {Psychometric.HumanSlope:0.00} | - |"));
        sb.AppendLine();
        sb.AppendLine(Options.PretrainPerSeed
            ? "Linear valence probe accuracy % by layer (identity-grouped CV on the frozen backbone, mean [95 % t CI] over seeds):"
            : "Linear valence probe accuracy % by layer (identity-grouped CV on the one frozen backbone per pre-training, mean [95 % t CI] over its folds):");
        sb.AppendLine();
        var layers = Probes.Select(p => p.Layer).Distinct().ToList();
        var groups = Probes.GroupBy(p => (p.Architecture, p.Pretraining)).ToList();
        int maxLayers = groups.Count == 0 ? 0 : groups.Max(g => g.Count());
        sb.AppendLine("| backbone | pre-training | " + string.Join(" | ", Enumerable.Range(1, maxLayers).Select(i => $"layer {i}")) + " |");
        sb.AppendLine("|---|---|" + string.Concat(Enumerable.Repeat("---|", maxLayers)));
        foreach (var g in groups.OrderBy(g => g.Key.Architecture, StringComparer.Ordinal).ThenBy(g => g.Key.Pretraining))
            sb.AppendLine($"| {g.Key.Architecture} | {Describe(g.Key.Pretraining)} | " + string.Join(" | ", g.Select(p => $"{p.Layer}: {Ci(p.Accuracy, "0.0", true)}")) + " |");
        sb.AppendLine();
        sb.AppendLine("Paired differences (candidate − reference, matched by seed; 95 % t CI; Holm across the transfer-accuracy rows):");
        sb.AppendLine();
        sb.AppendLine("| pre-training | comparison | metric | n | mean diff. | 95 % CI | t p | Holm p | reading |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var p in Paired)
        {
            if (p.Comparison is not { } c)
            {
                sb.AppendLine($"| {Describe(p.Pretraining)} | {p.Note} | {p.Metric} | - | - | - | - | - | not measured |");
                continue;
            }
            bool pct = p.Metric == "transfer accuracy";
            double k = pct ? 100 : 1;
            string f = pct ? "+0.0;-0.0;0.0" : "+0.000;-0.000;0.000";
            string holm = double.IsNaN(c.HolmP) ? "-" : c.HolmP.ToString("0.###", Ic);
            sb.AppendLine($"| {Describe(p.Pretraining)} | {c.Name} | {p.Metric}{(pct ? " (points)" : "")} | {c.N} | {(c.Mean * k).ToString(f, Ic)} | " +
                $"[{(c.CiLow * k).ToString(f, Ic)}, {(c.CiHigh * k).ToString(f, Ic)}] | {c.TP.ToString("0.###", Ic)} | {holm} | {p.Verdict} |");
        }
        return sb.ToString();
    }

    /// <summary>objects, faces, random init.</summary>
    public static string Describe(FacePretraining p) => p switch
    {
        FacePretraining.Object => "objects",
        FacePretraining.Face => "faces",
        _ => "random init",
    };
}
