using System.CommandLine;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using Microsoft.Extensions.Logging;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Cli;

/// <summary>One subcommand per paper, each a thin mapping from options to the library's experiment.</summary>
public static class ExperimentCommands
{
    /// <summary>A correlation as numbers (the record's own ToString prints its property names).</summary>
    public static string Format(BilateralNeuro.Analysis.CorrelationResult c) =>
        System.FormattableString.Invariant($"rho {c.Coefficient:F3} (p {c.PValue:G3}, n {c.N})");

    public static Command Bilateral()
    {
        var defs = new BilateralCommandOptions();
        return ExperimentRunner.Create("bilateral", "Specialized bilateral hemispheres vs every baseline (arXiv 2209.06862). Shards split the seeds.", defs.Shared, ctx =>
        {
            var data = ctx.ResolveData("bilateral", CliData.FashionMnist, CliData.Cifar100);
            bool cifar = data.Dataset == CliData.Cifar100;
            var options = defs.Bind(ctx.Parse, cifar);
            options.Seeds = ExperimentRunner.ShardSeeds(ctx.Shard, options.Seeds);
            ExperimentRunner.Check(options, new BilateralExperimentOptionsValidator().Validate(null, options));
            var units = options.Seeds.Select(s => $"seed {s}: specialized bilateral and every baseline").ToList();
            if (cifar)
            {
                // CIFAR-100's sizes are known, so --dry-run can print the estimated compute before any data is read.
                BilateralNeuro.Core.TorchRuntime.EnsureLoaded();
                units.AddRange(BilateralCostEstimate.For(options).Lines().Select(l => "estimate: " + l));
            }
            return new ExperimentPlan(options, data, units, ctx =>
        {
            var (train, test) = ctx.LoadData();
            var estimate = BilateralCostEstimate.For(options, train, test);
            foreach (var line in estimate.Lines()) ctx.Status.Report(line);
            var result = new BilateralExperiment(options, ctx.Device).Run(ctx.For(new ExperimentData(train, test)));
            var both = result.Summary.Where(r => !double.IsNaN(r.FineMean) && !double.IsNaN(r.CoarseMean)).ToList();
            Charts.Points(Path.Combine(ctx.OutDir, "accuracy.png"), "Bilateral comparison: test accuracy (mean over seeds)",
                "fine accuracy (%)", "coarse accuracy (%)",
                both.Select(r => (r.Model, new[] { r.FineMean * 100 }, new[] { r.CoarseMean * 100 })));
            result.WriteComparisons(ctx.OutDir);
            return new ExperimentOutput(result.Table, [.. result.Notes, estimate.Lines()[^1], "paired differences: comparisons.csv", "figure: accuracy.png"], options.Seeds);
        });
        }, defs.Own);
    }

    public static Command Synchrony()
    {
        var defs = new SynchronyCommandOptions();
        return ExperimentRunner.Create("synchrony", "KomplexNet: Kuramoto-synchronised complex activations on multi-object digits (arXiv 2502.21077), in the reference's dynamical regime (T = 15, k = 13; quick shrinks the scene to 16×16 and scales ε to keep the regime). --preset reference: the reference's scale (48k images, 30 epochs, batch 256). Shards split the models.", defs.Shared, ctx =>
        {
            var data = ctx.ResolveData("synchrony", CliData.Mnist);
            var options = defs.Bind(ctx.Parse);
            options.Models = ctx.Shard.Select(options.Models).ToArray();
            if (options.Models.Length == 0) throw new ArgumentException($"--shard {ctx.Shard}: more shards than models.");
            options.PhaseMapDirectory = Path.Combine(ctx.OutDir, "phase-maps");
            ExperimentRunner.Check(options, new SynchronyExperimentOptionsValidator().Validate(null, options));
            var units = options.Models.SelectMany(m => options.SeedsToRun().Select(s => $"{m} seed {s}")).ToList();
            var regime = options.Regime();
            units.Add("regime: " + regime.Describe());
            if (regime.Warning is { } warning) units.Add("regime warning: " + warning);
            units.AddRange(SynchronyCostEstimate.For(options).Lines().Select(line => "estimate: " + line));
            return new ExperimentPlan(options, data, units, ctx =>
        {
            var (train, test) = ctx.LoadData();
            var result = new SynchronyExperiment(options).Run(ctx.For(new ExperimentData(train, test)));
            var table = result.Table;
            var notes = new List<string> { $"seeds per row: {options.Seeds} (rows are already means over seeds)", regime.Describe() };
            notes.AddRange(WriteFairTable(result, options, ctx.OutDir));
            notes.AddRange(result.Figures.Select(f => $"figure: {f}"));
            return new ExperimentOutput(table, notes, options.SeedsToRun().ToList());
        }) { CpuOnly = true };
        }, defs.Own);
    }

    /// <summary>
    /// Writes per-seed.csv (model, condition, seed, exact match, optimiser steps) and, with 2+ seeds,
    /// comparisons.csv: every model against RandomPhases on the first condition, paired by seed, Holm over the
    /// models. Returns the comparison lines as notes.
    /// </summary>
    private static List<string> WriteFairTable(SynchronyExperimentResult result, SynchronyExperimentOptions options, string outDir)
    {
        var ic = System.Globalization.CultureInfo.InvariantCulture;
        Directory.CreateDirectory(outDir);
        var perSeed = new List<string> { "model,condition,seed,exact_match,optimizer_steps,coherence,separation" };
        perSeed.AddRange(result.Rows.Where(r => r.ExactMatchBySeed is not null).SelectMany(r => r.ExactMatchBySeed!.Select(kv =>
            string.Join(",", r.Model, r.Condition, kv.Key.ToString(ic), kv.Value.ToString("G6", ic), r.OptimizerSteps.ToString(ic), r.Coherence.ToString("G6", ic), r.Separation.ToString("G6", ic)))));
        File.WriteAllLines(Path.Combine(outDir, "per-seed.csv"), perSeed);
        string reference = nameof(SynchronyModel.RandomPhases);
        string first = SynchronyExperiment.Conditions(options)[0];
        var byModel = result.Rows.Where(r => r.Condition == first && r.ExactMatchBySeed is not null)
            .ToDictionary(r => r.Model, r => r.ExactMatchBySeed!);
        var notes = new List<string>();
        if (options.SeedsToRun().Count < 2 || !byModel.ContainsKey(reference) || byModel.Count < 2) return notes;
        var comparisons = BilateralNeuro.Analysis.Statistics.CompareAll(byModel, reference);
        File.WriteAllLines(Path.Combine(outDir, "comparisons.csv"), new[] { "comparison,condition," + string.Join(",", BilateralNeuro.Analysis.PairedComparison.CsvHeader) }
            .Concat(comparisons.Select(c => c.Name + "," + first + "," + string.Join(",", c.CsvValues()))));
        notes.AddRange(comparisons.Select(c => $"{first}, exact match, paired by seed, Holm over models: {c}"));
        return notes;
    }

    public static Command Resources()
    {
        var defs = new ResourcesCommandOptions();
        return ExperimentRunner.Create("resources", "Breadth, depth and time costs on a lattice recurrent network: trade-off sweep and time under occlusion (arXiv 2605.25174). The sweep is seeds x (pressure settings + the occlusion experiment); shards split its points.", defs.Shared, ctx =>
        {
            var data = ctx.ResolveData("resources", CliData.Mnist, CliData.FashionMnist);
            ResourceExperimentOptions Preset() => ctx.Preset == "quick" ? ResourceExperimentOptions.Quick() : ResourceExperimentOptions.Full();
            var preset = defs.Bind(ctx.Parse);
            // The command runs one seed (the preset's Seed) unless --seeds N asks for Seed..Seed+N-1.
            var seeds = ctx.Seeds is not null ? preset.Seeds : [preset.Seed];
            // The sweep: for every seed, each pressure setting of the grid, then the occlusion experiment.
            var points = seeds.SelectMany(seed => preset.Grid.Select(p => (Seed: seed, Point: (object)p)).Append((Seed: seed, Point: "occlusion"))).ToList();
            var mine = ctx.Shard.Select(points).ToList();
            if (mine.Count == 0) throw new ArgumentException($"--shard {ctx.Shard}: more shards than the {points.Count} sweep points.");
            var plan = new { Experiment = preset, Seeds = seeds };
            return new ExperimentPlan(plan, data, mine.Select(m => $"seed {m.Seed} {m.Point}").ToList(), ctx =>
        {
            var (train, test) = ctx.LoadData();
            var table = new ResultTable("resources");
            var notes = new List<string> { $"sweep points in this shard ({ctx.Shard}): {string.Join("; ", mine.Select(m => $"seed {m.Seed} {m.Point}"))}" };
            var tradeOff = new List<TradeOffRow>();
            var occlusions = new List<OcclusionTimeResult>();
            foreach (var group in mine.GroupBy(m => m.Seed))
            {
                var options = Preset();
                options.Seed = group.Key;
                options.Training.Epochs = preset.Training.Epochs;
                options.Grid = group.Select(m => m.Point).OfType<Pressure>().ToList();
                var context = ctx.For(new ExperimentData(train, test), name => ctx.Stage($"seed {group.Key} · {name}"));
                if (options.Grid.Count > 0)
                {
                    var sweep = new ResourceTradeOffExperiment(options).Run(context);
                    tradeOff.AddRange(sweep.Rows);
                    table.Rows.AddRange(sweep.Table.Rows);
                }
                if (!group.Any(m => m.Point is "occlusion")) continue;
                var occlusion = new OcclusionTimeExperiment(options).Run(context);
                occlusions.Add(occlusion);
                table.Rows.AddRange(occlusion.Table.Rows);
                notes.Add($"seed {group.Key}: Spearman(expected steps, occluded fraction) = {Format(occlusion.StepsVsOcclusion)}");
                notes.Add($"seed {group.Key}: Spearman(expected steps, difficulty) = {Format(occlusion.StepsVsDifficulty)}");
            }
            if (tradeOff.Count > 0)
            {
                string Label(TradeOffRow r) => $"b={r.BreadthPressure:G2} d={r.DepthPressure:G2} t={r.TimePressure:G2}";
                Charts.Points(Path.Combine(ctx.OutDir, "tradeoff-breadth.png"), "Trade-off: accuracy against effective breadth",
                    "effective channels", "test accuracy (%)", tradeOff.Select(r => (Label(r), new[] { (double)r.Breadth }, new[] { r.Accuracy * 100 })));
                Charts.Points(Path.Combine(ctx.OutDir, "tradeoff-time.png"), "Trade-off: accuracy against expected steps",
                    "expected recurrent steps", "test accuracy (%)", tradeOff.Select(r => (Label(r), new[] { r.ExpectedSteps }, new[] { r.Accuracy * 100 })));
                notes.Add("figures: tradeoff-breadth.png, tradeoff-time.png");
            }
            if (occlusions.Count > 0)
            {
                Charts.Lines(Path.Combine(ctx.OutDir, "occlusion-steps.png"), "Time under occlusion", "occluded fraction (achieved)", "expected steps",
                    occlusions.Select((o, i) => ($"seed {mine.Where(m => m.Point is "occlusion").ElementAt(i).Seed}",
                        o.Rows.Select(r => r.AchievedFraction).ToArray(), o.Rows.Select(r => r.ExpectedSteps).ToArray())).ToList(), integerX: false);
                notes.Add("figure: occlusion-steps.png");
            }
            return new ExperimentOutput(table, notes, mine.Select(m => m.Seed).Distinct().ToList());
        }) { CpuOnly = true };
        });
    }

    public static Command Beyond()
    {
        var defs = new BeyondCommandOptions();
        return ExperimentRunner.Create("beyond", "Beyond the bilateral paper: asymmetric, callosally linked, lattice, self-supervised and synchronised hemispheres as an ablation table (docs/beyond.md). Shards split the seeds.", defs.Shared, ctx =>
        {
            var data = ctx.ResolveData("beyond", CliData.FashionMnist);
            var options = defs.Bind(ctx.Parse);
            options.Seeds = ExperimentRunner.ShardSeeds(ctx.Shard, options.Seeds);
            ExperimentRunner.Check(options, new BeyondExperimentOptionsValidator().Validate(null, options));
            var units = options.Seeds.SelectMany(s => options.Variants.Select(v => $"{v} seed {s}")).ToList();
            return new ExperimentPlan(options, data, units, ctx =>
        {
            var (train, test) = ctx.LoadData();
            var result = new BeyondExperiment(options, ctx.Device).Run(ctx.For(new ExperimentData(train, test)));
            return new ExperimentOutput(result.Table, result.Notes, options.Seeds);
        });
        }, defs.Own);
    }

    public static Command FaceAttention()
    {
        var defs = new FaceAttentionCommandOptions();
        return ExperimentRunner.Create("face-attention", "AlexNet/VGG/FE-AlexNet pre-training, valence probes, transfer and lab psychometrics vs humans (arXiv 2310.13674). Shards split the seeds.", defs.Shared, ctx =>
        {
            // Objects are rendered procedurally (RGB, any size) unless --dataset fashion-mnist asks for Fashion-MNIST.
            bool procedural = ctx.Dataset == "default";
            var data = procedural
                ? new DataChoice("procedural", new DataLocation(DataLocationKind.Embedded, null, "objects and faces rendered in-process"))
                : ctx.ResolveData("face-attention", CliData.FashionMnist);
            var options = defs.Bind(ctx.Parse);
            options.Seeds = ExperimentRunner.ShardSeeds(ctx.Shard, options.Seeds);
            if (options.Seeds.Count == 0) throw new ArgumentException($"--shard {ctx.Shard}: more shards than seeds.");
            ExperimentRunner.Check(options, new FaceAttentionExperimentOptionsValidator().Validate(null, options));
            return new ExperimentPlan(options, data, options.Seeds.Select(s => $"seed {s}").ToList(), ctx =>
        {
            options.Device = ctx.Device.ToString();
            var objects = procedural ? null : ctx.LoadData().Train;
            var report = new FaceAttentionExperiment(options).Run(ctx.For(new ExperimentData(Objects: objects)));
            Directory.CreateDirectory(ctx.OutDir);
            File.WriteAllText(Path.Combine(ctx.OutDir, "curves.csv"), report.CurvesCsv());
            File.WriteAllText(Path.Combine(ctx.OutDir, "face-attention.md"), report.ToMarkdown());
            var charts = FaceAttentionCharts.Write(report, ctx.OutDir);
            var notes = new List<string> { $"tables: face-attention.md; curves: curves.csv; charts: {string.Join(", ", charts)}" };
            notes.AddRange(report.Paired.Where(p => p.Comparison is not null).Select(p => $"{FaceAttentionReport.Describe(p.Pretraining)} {p.Metric}: {p.Comparison}"));
            return new ExperimentOutput(report.Table, notes, options.Seeds);
        });
        });
    }
}
