using System.CommandLine;
using BilateralNeuro.Analysis;
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
            // --workers: the (model, seed) units in worker processes (one LibTorch thread each unless --threads), sharing OUT/checkpoints.
            int workers = defs.DefaultWorkers(ctx.Parse, SynchronyWorkers.Units(options).Count);
            int threadsPerWorker = ctx.Parse.GetValue(ctx.Shared.Threads) ?? 1;
            units.Add(workers > 1
                ? $"workers: {workers} processes, {threadsPerWorker} LibTorch thread(s) each; units handed out {string.Join(", ", SynchronyWorkers.Units(options).Select(u => u.Model).Distinct())} (Kuramoto models first)"
                : "workers: 1 (the sequential run in this process)");
            return new ExperimentPlan(options, data, units, ctx =>
        {
            SynchronyExperimentResult Summary(ExperimentJournal? journal)
            {
                var (train, test) = ctx.LoadData();
                using (train)
                using (test)
                    return new SynchronyExperiment(options).Run(ctx.For(new ExperimentData(train, test)));
            }
            var notes = new List<string> { $"seeds per row: {options.Seeds} (rows are already means over seeds)", regime.Describe() };
            SynchronyExperimentResult result;
            if (workers > 1)
            {
                ctx.Status.Report($"{workers} worker processes, {threadsPerWorker} LibTorch thread(s) each; units handed out Kuramoto models first");
                var run = SynchronyWorkers.Run(options, data.Dataset, data.Location.Path ?? DataLocator.EmbeddedKeyword, workers, Summary,
                    ctx.Status.Report, threadsPerWorker: threadsPerWorker, journal: ctx.Journal, cancellationToken: ctx.Cancel);
                result = run.Result;
                notes.Add($"workers: {workers} processes, {threadsPerWorker} LibTorch thread(s) each; peak RSS (VmHWM) this process {run.ParentPeakKb / 1024} MB while they ran, " +
                          $"workers {string.Join(" + ", run.WorkerPeakKb.Select(k => $"{k / 1024} MB"))}");
            }
            else result = Summary(ctx.Journal);
            var table = result.Table;
            notes.AddRange(WriteFairTable(result, options, ctx.OutDir));
            notes.AddRange(result.Figures.Select(f => $"figure: {Charts.PhaseMap(f, options.Steps)} (data image {Path.GetFileName(f)})"));
            return new ExperimentOutput(table, notes, options.SeedsToRun().ToList());
        }) { CpuOnly = true };
        }, defs.Own);
    }

    /// <summary>
    /// Writes per-seed.csv (model, condition, seed, exact match, optimiser steps; coherence and separation are the
    /// row's means over seeds, named so: the experiment keeps no per-seed value of them) and, with 2+ seeds,
    /// comparisons.csv: every model against RandomPhases on the first condition, paired by seed, Holm over the
    /// models. Returns the comparison lines as notes.
    /// </summary>
    private static List<string> WriteFairTable(SynchronyExperimentResult result, SynchronyExperimentOptions options, string outDir)
    {
        var ic = System.Globalization.CultureInfo.InvariantCulture;
        Directory.CreateDirectory(outDir);
        var perSeed = new List<string> { "model,condition,seed,exact_match,optimizer_steps,coherence_mean_over_seeds,separation_mean_over_seeds" };
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
        var grid = new Option<string?>("--grid") { Description = "Pressure grid of the trade-off sweep: quick (5 points: none, each resource alone, all three), full (27 points: breadth 0/0.01/0.03 x depth 0/0.03/0.09 x time 0/0.01/0.03) or explicit points 'b,d,t;b,d,t'. Default: the preset's." };
        var trainCount = new Option<int?>("--train-count") { Description = "Training images (a seeded random subset; quick 1,200, full 8,000).", CustomParser = r => SharedOptions.ParseInt(r) };
        var testCount = new Option<int?>("--test-count") { Description = "Test images (a seeded random subset; quick 500, full 2,000).", CustomParser = r => SharedOptions.ParseInt(r) };
        var window = new Option<string?>("--window") { Description = "Lattice window LAYERS,CHANNELS,STEPS (quick 4,12,4; full 6,32,8)." };
        var parts = new Option<string?>("--parts") { Description = "Protocols to run, comma-separated: tradeoff, occlusion, growth (quick: tradeoff,occlusion; full: all three)." };
        var classes = new Option<string?>("--classes") { Description = "Class counts of the growth protocol, comma-separated, each 2-10 (quick 2,5,10; full 2,3,4,6,8,10)." };
        var clutter = new Option<string?>("--clutter") { Description = "Clutter fragments of the growth protocol at 10 classes, comma-separated (quick 3; full 2,4; 0 = none)." };
        var finishedOnly = new Option<bool>("--finished-only") { Description = "Train nothing: write the table and plots from the sweep points already finished in --journal (the others are listed as missing). For reading a sharded sweep before every shard is done." };
        var journal = new Option<DirectoryInfo?>("--journal") { Description = "A journal folder shared by shards: each shard saves its finished sweep points there; the same command with --shard 1/1 and the same folder then trains nothing already finished and writes the complete table and plots." };
        return ExperimentRunner.Create("resources", "Breadth, depth and time costs on a lattice recurrent network: trade-off sweep, time under occlusion and growth with task complexity (arXiv 2605.25174). The sweep is seeds x (pressure settings + occlusion + growth tasks); shards split its points.", defs.Shared, ctx =>
        {
            var data = ctx.ResolveData("resources", CliData.Mnist, CliData.FashionMnist);
            var gridText = ctx.Parse.GetValue(grid);
            var windowText = ctx.Parse.GetValue(window);
            var (nTrain, nTest) = (ctx.Parse.GetValue(trainCount), ctx.Parse.GetValue(testCount));
            var partList = (ctx.Parse.GetValue(parts) ?? (ctx.Preset == "quick" ? "tradeoff,occlusion" : "tradeoff,occlusion,growth"))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            foreach (var bad in partList.Where(x => x is not ("tradeoff" or "occlusion" or "growth")))
                throw new ArgumentException($"--parts: '{bad}' is not a protocol; expected tradeoff, occlusion and/or growth, comma-separated.");
            if (partList.Count == 0) throw new ArgumentException("--parts: no protocol given; expected tradeoff, occlusion and/or growth.");
            var parsedGrid = gridText is null ? null : ResourceCli.ParseGrid(gridText);
            var parsedWindow = windowText is null ? ((int, int, int)?)null : ResourceCli.ParseWindow(windowText);
            var parsedClasses = ctx.Parse.GetValue(classes) is { } ct ? ResourceCli.ParseCounts("--classes", ct, 2, 10) : null;
            var parsedClutter = ctx.Parse.GetValue(clutter) is { } cl ? ResourceCli.ParseCounts("--clutter", cl, 0, 20) : null;
            ResourceExperimentOptions Preset()
            {
                var o = defs.Bind(ctx.Parse);
                if (parsedGrid is not null) o.Grid = parsedGrid;
                if (nTrain is { } a) o.TrainCount = a;
                if (nTest is { } b) o.TestCount = b;
                if (parsedClasses is not null) o.Classes = parsedClasses;
                if (parsedClutter is not null) o.Clutter = parsedClutter;
                if (parsedWindow is var (layers, channels, steps)) { o.Lattice.MaxLayers = layers; o.Lattice.MaxChannels = channels; o.Lattice.MaxSteps = steps; }
                return ExperimentRunner.Check(o, new ResourceExperimentOptionsValidator().Validate(null, o));
            }
            var preset = Preset();
            var seeds = preset.Seeds.ToList(); // the preset's, or --seeds N from the first of them (ResourcesCommandOptions.Bind)
            // The sweep: for every seed, each pressure setting of the grid, the occlusion experiment and the growth tasks.
            var growthTasks = preset.Classes.Select(k => (Classes: k, Clutter: 0)).Concat(preset.Clutter.Where(c => c > 0).Select(c => (Classes: 10, Clutter: c))).ToList();
            var points = seeds.SelectMany(seed =>
                (partList.Contains("tradeoff") ? preset.Grid.Select(p => (Seed: seed, Point: (object)p)) : [])
                .Concat(partList.Contains("occlusion") ? [(Seed: seed, Point: (object)"occlusion")] : [])
                .Concat(partList.Contains("growth") ? growthTasks.Select(g => (Seed: seed, Point: (object)g)) : [])).ToList();
            var mine = ctx.Shard.Select(points).ToList();
            if (mine.Count == 0) throw new ArgumentException($"--shard {ctx.Shard}: more shards than the {points.Count} sweep points.");
            string Unit((int Seed, object Point) m) => m.Point is ValueTuple<int, int> g ? $"seed {m.Seed} growth {g.Item1} classes clutter {g.Item2}" : $"seed {m.Seed} {m.Point}";
            var plan = new { Experiment = preset, Seeds = seeds, Parts = partList };
            var journalDir = ctx.Parse.GetValue(journal);
            bool onlyFinished = ctx.Parse.GetValue(finishedOnly);
            if (onlyFinished && journalDir is null) throw new ArgumentException("--finished-only: needs --journal DIR (the journal whose finished points are read).");
            return new ExperimentPlan(plan, data, mine.Select(Unit).ToList(), ctx =>
        {
            var (train, test) = ctx.LoadData();
            // A shared journal ignores the shard: its fingerprint is the resolved options and data only.
            var unitJournal = journalDir is null ? ctx.Journal
                : new ExperimentJournal(journalDir.FullName, "resources\n" + System.Text.Json.JsonSerializer.Serialize(plan, ExperimentRunner.PlanJson) + "\n" + ctx.Data.Fingerprint,
                    ctx.Logging.CreateLogger("journal"));
            var table = new ResultTable("resources");
            var notes = new List<string> { $"sweep points in this shard ({ctx.Shard}): {mine.Count} of {points.Count}" };
            if (onlyFinished)
            {
                string Key((int Seed, object Point) m) => m.Point switch
                {
                    Pressure p => $"seed {m.Seed} tradeoff {p}",
                    ValueTuple<int, int> g => $"seed {m.Seed} growth {g.Item1} classes clutter {g.Item2}",
                    _ => $"seed {m.Seed} occlusion",
                };
                var missing = mine.Where(m => !unitJournal.TryGet(Key(m), out System.Text.Json.JsonElement _)).ToList();
                mine = mine.Except(missing).ToList();
                if (mine.Count == 0) throw new InvalidOperationException($"--finished-only: no sweep point of this command has finished in {journalDir!.FullName} yet.");
                notes.Add($"--finished-only: {mine.Count} finished points read from the journal; {missing.Count} not finished and left out: {string.Join("; ", missing.Select(Unit))}");
            }
            var tradeOff = new List<(int Seed, TradeOffRow Row)>();
            var occlusions = new List<(int Seed, OcclusionTimeResult Result)>();
            var growth = new List<(int Seed, GrowthRow Row)>();
            var w = preset.Lattice;
            foreach (var group in mine.GroupBy(m => m.Seed))
            {
                var options = Preset();
                options.Seed = group.Key;
                options.Grid = group.Select(m => m.Point).OfType<Pressure>().ToList();
                options.Classes = group.Select(m => m.Point).OfType<(int Classes, int Clutter)>().Where(g => g.Clutter == 0).Select(g => g.Classes).ToList();
                options.Clutter = group.Select(m => m.Point).OfType<(int Classes, int Clutter)>().Where(g => g.Clutter > 0).Select(g => g.Clutter).ToList();
                var context = new BilateralNeuro.Experiments.ExperimentContext(new ExperimentData(train, test))
                {
                    LoggerFactory = ctx.Logging, Journal = unitJournal, Status = ctx.Status,
                    StageProgress = name => ctx.Stage($"seed {group.Key} · {name}"), Cancellation = ctx.Cancel,
                };
                IReadOnlyList<TradeOffRow> rows = options.Grid.Count > 0 ? new ResourceTradeOffExperiment(options).Run(context).Rows : [];
                tradeOff.AddRange(rows.Select(r => (group.Key, r)));
                foreach (var r in rows)
                    table.Add(ResourceCli.PressureName(r), "trade-off", group.Key, new Dictionary<string, double>
                    {
                        ["accuracy"] = r.Accuracy, ["adaptive accuracy"] = r.AdaptiveAccuracy, ["breadth"] = r.Breadth, ["depth"] = r.Depth,
                        ["expected steps"] = r.ExpectedSteps, ["parameters"] = r.Parameters, ["compact parameters"] = r.CompactParameters,
                        ["window channels"] = w.MaxLayers * w.MaxChannels, ["window layers"] = w.MaxLayers, ["window steps"] = w.MaxSteps,
                    });
                if (options.Classes.Count + options.Clutter.Count > 0)
                    foreach (var r in new ResourceExperiments(options, context).Growth(train, test))
                    {
                        growth.Add((group.Key, r));
                        table.Add($"growth {r.Classes} classes", $"clutter {r.Clutter}", group.Key, new Dictionary<string, double>
                        {
                            ["accuracy"] = r.Accuracy, ["breadth"] = r.Breadth, ["depth"] = r.Depth, ["expected steps"] = r.ExpectedSteps,
                            ["max channels in a layer"] = r.ChannelsPerLayer.Split('-').Max(int.Parse),
                            ["window channels"] = w.MaxLayers * w.MaxChannels, ["window layers"] = w.MaxLayers, ["window steps"] = w.MaxSteps,
                            ["window channels per layer"] = w.MaxChannels,
                        });
                    }
                if (!group.Any(m => m.Point is "occlusion")) continue;
                var occlusion = new OcclusionTimeExperiment(options).Run(context);
                occlusions.Add((group.Key, occlusion));
                foreach (var r in occlusion.Rows)
                    table.Add("occlusion pressure", $"occlusion {r.Level:G2}", group.Key, new Dictionary<string, double>
                    {
                        ["accuracy"] = r.Accuracy, ["adaptive accuracy"] = r.AdaptiveAccuracy, ["expected steps"] = r.ExpectedSteps,
                    });
                table.Add("occlusion pressure", "spearman per seed", group.Key, new Dictionary<string, double>
                {
                    ["rho steps vs occluded fraction"] = occlusion.StepsVsOcclusion.Coefficient,
                    ["rho steps vs difficulty"] = occlusion.StepsVsDifficulty.Coefficient,
                });
                notes.Add($"seed {group.Key}: Spearman(expected steps, occluded fraction) = {Format(occlusion.StepsVsOcclusion)}");
                notes.Add($"seed {group.Key}: Spearman(expected steps, difficulty) = {Format(occlusion.StepsVsDifficulty)}");
            }
            notes.AddRange(ResourceCli.TradeOffStatistics(tradeOff));
            if (occlusions.Count > 0)
            {
                var across = Statistics.AcrossSeeds(occlusions.Select(o => o.Result.StepsVsOcclusion.Coefficient).ToList());
                var difficulty = Statistics.AcrossSeeds(occlusions.Select(o => o.Result.StepsVsDifficulty.Coefficient).ToList());
                notes.Add($"occlusion -> steps across seeds {string.Join(",", occlusions.Select(o => o.Seed))} (one Spearman per trained network, t CI across seeds): {across}");
                notes.Add($"difficulty -> steps across seeds {string.Join(",", occlusions.Select(o => o.Seed))}: {difficulty}");
            }
            if (growth.Count > 0)
                notes.Add($"growth window: {w.MaxLayers} layers x {w.MaxChannels} channels x {w.MaxSteps} steps; used at the largest task: " +
                    string.Join("; ", growth.Where(g => g.Row.Classes == growth.Max(x => x.Row.Classes) && g.Row.Clutter == 0)
                        .Select(g => $"seed {g.Seed} {g.Row.Breadth}/{w.MaxLayers * w.MaxChannels} channels, {g.Row.Depth}/{w.MaxLayers} layers, {g.Row.ExpectedSteps:F2}/{w.MaxSteps} steps")));
            if (tradeOff.Count > 0)
            {
                var means = tradeOff.GroupBy(t => ResourceCli.PressureName(t.Row)).Select(g => (Name: g.Key, Seeds: g.Count(),
                    Breadth: g.Average(t => (double)t.Row.Breadth), Depth: g.Average(t => (double)t.Row.Depth),
                    Steps: g.Average(t => t.Row.ExpectedSteps), Accuracy: g.Average(t => t.Row.Accuracy) * 100)).ToList();
                Charts.IsoAccuracy(Path.Combine(ctx.OutDir, "tradeoff-iso-accuracy.png"),
                    $"Iso-accuracy: breadth, time, layers ({means.Count} settings, {(means.Min(m => m.Seeds) == means.Max(m => m.Seeds) ? $"{means[0].Seeds}" : $"{means.Min(m => m.Seeds)}-{means.Max(m => m.Seeds)}")} seed(s) each)",
                    means.Select(m => (m.Breadth, m.Depth, m.Steps, m.Accuracy)).ToList(), w.MaxLayers, w.MaxLayers * w.MaxChannels, w.MaxSteps);
                Charts.Points(Path.Combine(ctx.OutDir, "tradeoff-breadth.png"), "Trade-off: accuracy against effective breadth",
                    "effective channels (count)", "test accuracy (%)", means.Select(m => (m.Name, new[] { m.Breadth }, new[] { m.Accuracy })));
                Charts.Points(Path.Combine(ctx.OutDir, "tradeoff-time.png"), "Trade-off: accuracy against expected steps",
                    "expected recurrent steps (steps)", "test accuracy (%)", means.Select(m => (m.Name, new[] { m.Steps }, new[] { m.Accuracy })));
                notes.Add("figures: tradeoff-iso-accuracy.png, tradeoff-breadth.png, tradeoff-time.png (means over seeds)");
            }
            if (occlusions.Count > 0)
            {
                Charts.Lines(Path.Combine(ctx.OutDir, "occlusion-steps.png"), "Time under occlusion", "occluded fraction (achieved)", "expected steps",
                    occlusions.Select(o => ($"seed {o.Seed}", o.Result.Rows.Select(r => r.AchievedFraction).ToArray(), o.Result.Rows.Select(r => r.ExpectedSteps).ToArray())).ToList(), integerX: false);
                notes.Add("figure: occlusion-steps.png");
            }
            return new ExperimentOutput(table, notes, mine.Select(m => m.Seed).Distinct().ToList());
        }) { CpuOnly = true };
        }, grid, trainCount, testCount, window, parts, classes, clutter, journal, finishedOnly);
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
            // Faces are rendered in-process; with --dataset default the experiment loads its own object set
            // (FaceAttentionExperimentOptions.ObjectSet: Fashion-MNIST, found or embedded); --dataset fashion-mnist resolves it here.
            bool procedural = ctx.Dataset == "default";
            var data = procedural
                ? new DataChoice("procedural", new DataLocation(DataLocationKind.Embedded, null, "faces rendered in-process; objects: the options' ObjectSet (Fashion-MNIST by default)"))
                : ctx.ResolveData("face-attention", CliData.FashionMnist);
            var options = defs.Bind(ctx.Parse);
            options.Seeds = ExperimentRunner.ShardSeeds(ctx.Shard, options.Seeds);
            if (options.Seeds.Count == 0) throw new ArgumentException($"--shard {ctx.Shard}: more shards than seeds.");
            ExperimentRunner.Check(options, new FaceAttentionExperimentOptionsValidator().Validate(null, options));
            // --workers: the units (seed, pre-training; random init per backbone) in one-thread worker processes. Workers load the options' own
            // object set, so a dataset resolved here (--dataset fashion-mnist, --data-dir) runs in this process.
            int workers = defs.DefaultWorkers(ctx.Parse, options);
            if (workers > 1 && !procedural)
            {
                if (ctx.Parse.GetValue(defs.Workers) is not null)
                    throw new ArgumentException($"--workers {workers} with --dataset {ctx.Dataset}: worker processes load the experiment's own object set, not the one resolved here; use --workers 1 or --dataset default.");
                workers = 1;
            }
            int threadsPerWorker = ctx.Parse.GetValue(ctx.Shared.Threads) ?? 1;
            var units = options.Seeds.Select(s => $"seed {s}").ToList();
            units.Add(workers > 1
                ? $"workers: {workers} processes, {threadsPerWorker} LibTorch thread(s) each; units (seed, pre-training; random init per backbone) handed out longest first (objects, faces, random init)"
                : "workers: 1 (the sequential run in this process)");
            return new ExperimentPlan(options, data, units, ctx =>
        {
            options.Device = ctx.Device.ToString();
            FaceAttentionReport report;
            var workerNotes = new List<string>();
            if (workers > 1)
            {
                ctx.Status.Report($"{workers} worker processes, {threadsPerWorker} LibTorch thread(s) each; units handed out longest first");
                var run = FaceAttentionWorkers.Run(options, workers, ctx.Status.Report, threadsPerWorker: threadsPerWorker, cancellationToken: ctx.Cancel);
                report = run.Report;
                workerNotes.Add($"workers: {workers} processes, {threadsPerWorker} LibTorch thread(s) each; peak RSS (VmHWM) this process {run.ParentPeakKb / 1024} MB while they ran, " +
                                $"workers {string.Join(" + ", run.WorkerPeakKb.Select(k => $"{k / 1024} MB"))}");
            }
            else
            {
                var objects = procedural ? null : ctx.LoadData().Train;
                report = new FaceAttentionExperiment(options).Run(ctx.For(new ExperimentData(Objects: objects)));
            }
            Directory.CreateDirectory(ctx.OutDir);
            File.WriteAllText(Path.Combine(ctx.OutDir, "curves.csv"), report.CurvesCsv());
            File.WriteAllText(Path.Combine(ctx.OutDir, "face-attention.md"), report.ToMarkdown());
            var charts = FaceAttentionCharts.Write(report, ctx.OutDir);
            var notes = new List<string> { $"tables: face-attention.md; curves: curves.csv; charts: {string.Join(", ", charts)}" };
            notes.AddRange(workerNotes);
            notes.AddRange(report.Paired.Where(p => p.Comparison is not null).Select(p => $"{FaceAttentionReport.Describe(p.Pretraining)} {p.Metric}: {p.Comparison}"));
            return new ExperimentOutput(report.Table, notes, options.Seeds);
        });
        }, defs.Own);
    }
}
