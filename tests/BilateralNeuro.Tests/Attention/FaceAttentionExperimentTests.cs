using BilateralNeuro.Analysis;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class FaceAttentionExperimentTests
{
    /// <summary>A run of seconds: AlexNet, FE-AlexNet and the ungated control, face-pretrained and random, two seeds.</summary>
    public static FaceAttentionExperimentOptions Tiny() => new()
    {
        ImageSize = 64, Width = 0.0625, Models = ["AlexNet", "FE-AlexNet", "Ungated-AlexNet"],
        Pretrainings = [FacePretraining.Face, FacePretraining.RandomInit], Seeds = [1, 2],
        PretrainIdentities = 4, ImagesPerPretrainIdentity = 4, PretrainEpochs = 1, TransferIdentities = 6, ValidationIdentities = 2,
        ImagesPerTransferIdentity = 4, TestIdentities = 2, AugmentedViews = 1, TransferSteps = 4, MorphLevels = 5, ProbeFolds = 2,
    };

    [Fact]
    public void Human_reference_curve_has_derivative_4_19_at_0_514_and_the_cli_draws_it()
    {
        const double h = 1e-5;
        double d = (Psychometric.HumanReferenceProbability(0.514 + h) - Psychometric.HumanReferenceProbability(0.514 - h)) / (2 * h);
        d.Should().BeApproximately(4.19, 0.01);
        Psychometric.HumanReferenceProbability(0.514).Should().BeApproximately(0.5, 1e-12);
        var curve = FaceAttentionCharts.HumanCurve();
        var levels = FaceAttentionCharts.HumanLevels;
        curve.Should().HaveCount(levels.Length);
        for (int i = 0; i < levels.Length; i++) curve[i].Should().Be(Psychometric.HumanReferenceProbability(levels[i]));
        // the old hand formula Phi((x - 0.514) * 4.19) was 2.5x too shallow: at 0.6 it gave 0.64, the lab's curve 0.82
        curve[60].Should().BeApproximately(0.817, 0.005);
    }

    [Fact]
    public void Tiny_run_reports_pretraining_probe_transfer_and_psychometric_columns_and_paired_differences()
    {
        TorchRuntime.EnsureLoaded();
        var report = new FaceAttentionExperiment(Tiny()).Run(new ExperimentContext(new ExperimentData()));
        report.Results.Should().HaveCount(2 * 3 * 2, "two pre-trainings x three models x two seeds");
        report.Rows.Should().HaveCount(2 * 3);
        foreach (var row in report.Rows)
        {
            row.Seeds.Should().Be(2);
            row.Transfer.Mean.Should().BeInRange(0, 1);
            row.Probe.Mean.Should().BeInRange(0, 1);
            if (row.Pretraining == FacePretraining.RandomInit)
            {
                row.PretrainAccuracy.Should().BeNull("nothing was pre-trained");
                row.PretrainEpochs.Should().BeNull();
                row.TargetReached.Should().BeNull();
            }
            else
            {
                row.PretrainAccuracy!.Mean.Should().BeInRange(0, 1);
                row.PretrainAccuracy.N.Should().Be(2, "every seed pre-trains its own backbone");
                row.PretrainEpochs!.Mean.Should().Be(1, "one epoch at most");
                row.TargetReached.Should().BeInRange(0, 2);
            }
            (row.Psychometrics.Pse is null).Should().Be(row.Psychometrics.FittedSeeds == 0);
        }
        // one frozen AlexNet per pre-training: five conv blocks probed, shared by the three AlexNet models
        report.Probes.Select(p => (p.Pretraining, p.Layer)).Should().HaveCount(2 * 5);
        foreach (var g in report.Results.GroupBy(r => (r.Pretraining, r.Seed)))
            g.Select(r => r.LastLayerProbe).Distinct().Should().HaveCount(1);
        foreach (var r in report.Results)
        {
            r.Curves.Should().ContainSingle().Which.Fit.Levels.Should().Equal(0, 0.25, 0.5, 0.75, 1);
            r.TransferSteps.Should().BeGreaterThanOrEqualTo(4);
        }
        var acc = report.Paired.Where(p => p.Metric == "transfer accuracy").ToList();
        acc.Select(p => (p.Pretraining, p.Comparison!.Name)).Should().Equal(
            (FacePretraining.Face, "FE-AlexNet - AlexNet"), (FacePretraining.Face, "Ungated-AlexNet - AlexNet"), (FacePretraining.Face, "FE-AlexNet - Ungated-AlexNet"),
            (FacePretraining.RandomInit, "FE-AlexNet - AlexNet"), (FacePretraining.RandomInit, "Ungated-AlexNet - AlexNet"), (FacePretraining.RandomInit, "FE-AlexNet - Ungated-AlexNet"));
        var fe = report.Results.Where(r => r.Pretraining == FacePretraining.Face && r.Model == "FE-AlexNet").OrderBy(r => r.Seed).ToList();
        var alex = report.Results.Where(r => r.Pretraining == FacePretraining.Face && r.Model == "AlexNet").OrderBy(r => r.Seed).ToList();
        acc[0].Comparison!.N.Should().Be(2);
        acc[0].Comparison!.Mean.Should().BeApproximately(fe.Zip(alex, (a, b) => a.TransferAccuracy - b.TransferAccuracy).Average(), 1e-12);
        acc.Should().AllSatisfy(p => double.IsNaN(p.Comparison!.HolmP).Should().BeFalse());
        var md = report.ToMarkdown();
        md.Should().Contain("pre-training val. acc.").And.Contain("probe acc.").And.Contain("transfer acc.").And.Contain("| PSE |")
            .And.Contain("slope (dP/dx at PSE)").And.Contain("FE-AlexNet - AlexNet").And.Contain("conv5").And.Contain("seeds at target");
        report.Table.Rows.Should().HaveCount(12);
        report.Table.Rows.SelectMany(r => r.Metrics.Values).Should().AllSatisfy(v => double.IsFinite(v).Should().BeTrue("results.json cannot hold NaN"));
        report.Table.Rows.Where(r => r.Model.Contains("random init")).Should().AllSatisfy(r => r.Metrics.Should().NotContainKey("pre-training accuracy"));
        report.CurvesCsv().Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(1 + 12 * 5);
    }

    private static FaceAttentionSeedResult Synthetic(int seed, string model, Func<double, double> p, double accuracy)
    {
        var levels = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();
        var fit = PsychometricCurves.Fit(levels.ToDictionary(x => x, p));
        return new FaceAttentionSeedResult(seed, FacePretraining.Object, model, "AlexNet", 0.9, 0.1,
            [new FaceProbeLayer("conv5", 0.7, [0.6, 0.8])], 0.8, accuracy, 100, [new FaceCurve(FaceOcclusion.None, fit)]);
    }

    [Fact]
    public void Flat_curves_give_no_fit_rows_and_no_paired_psychometric_difference()
    {
        var o = new FaceAttentionExperimentOptions { Models = ["AlexNet", "FE-AlexNet"], Pretrainings = [FacePretraining.Object], Seeds = [1, 2, 3] };
        var results = new List<FaceAttentionSeedResult>();
        foreach (int s in o.Seeds)
        {
            results.Add(Synthetic(s, "AlexNet", _ => 0.98, 0.5));                                        // always "happy": flat
            results.Add(Synthetic(s, "FE-AlexNet", x => Psychometric.HumanReferenceProbability(x + 0.01 * s), 0.9));
        }
        var report = FaceAttentionExperiment.Summarize(o, results, TimeSpan.Zero);
        var alex = report.Rows.Single(r => r.Model == "AlexNet");
        alex.Psychometrics.FittedSeeds.Should().Be(0);
        alex.Psychometrics.Pse.Should().BeNull();
        alex.Psychometrics.Slope.Should().BeNull();
        var fe = report.Rows.Single(r => r.Model == "FE-AlexNet");
        fe.Psychometrics.FittedSeeds.Should().Be(3);
        fe.Psychometrics.Pse!.Mean.Should().BeApproximately(0.514 - 0.02, 0.01);
        fe.Psychometrics.Slope!.Mean.Should().BeApproximately(4.19, 0.2);

        var md = report.ToMarkdown();
        md.Split('\n').Single(l => l.StartsWith("| objects | AlexNet |", StringComparison.Ordinal)).Should().Contain("| no fit | no fit | 0/3 |");
        var psePair = report.Paired.Single(p => p.Metric == "PSE" && p.Note is not null);
        psePair.Comparison.Should().BeNull();
        psePair.Verdict.Should().StartWith("not measured");
        var accPair = report.Paired.Single(p => p.Metric == "transfer accuracy");
        accPair.Comparison!.Mean.Should().BeApproximately(0.4, 1e-12);
        accPair.Verdict.Should().Be("higher");
    }
}
