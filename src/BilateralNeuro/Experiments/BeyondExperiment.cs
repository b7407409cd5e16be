using System.Diagnostics;
using System.Globalization;
using BilateralNeuro.Beyond;
using BilateralNeuro.Beyond.Training;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>One row of the ablation: mean and sample std over seeds.</summary>
/// <param name="Variant">Variant name (e.g. <c>asymmetric+callosal</c>).</param>
/// <param name="Description">Left and right hemisphere, objectives and links.</param>
/// <param name="Parameters">Parameters of the final network (hemispheres, links, heads).</param>
/// <param name="Fine">Fine test accuracy.</param>
/// <param name="Coarse">Coarse test accuracy.</param>
/// <param name="TrainSeconds">Training wall time per seed (stage 1, cache, stage 2).</param>
/// <param name="Extra">Other metrics (effective sizes of lattice hemispheres), mean over seeds.</param>
/// <param name="Seeds">Number of seeds.</param>
public sealed record BeyondSummaryRow(string Variant, string Description, long Parameters, Statistic Fine, Statistic Coarse,
    Statistic TrainSeconds, IReadOnlyDictionary<string, double> Extra, int Seeds)
{
    /// <summary>Best validation fine accuracy of the stage-2 heads (model selection only).</summary>
    public Statistic Validation { get; init; } = new(double.NaN, double.NaN, 0);
}

/// <summary>What one (variant, seed) unit of <see cref="BeyondExperiment"/> leaves in its <see cref="ExperimentJournal"/>.</summary>
/// <param name="Row">The unit's table row.</param>
/// <param name="Description">The variant's hemispheres and links.</param>
public sealed record BeyondUnitRecord(ResultRow Row, string Description);

/// <summary>Outcome of <see cref="BeyondExperiment.Run"/>.</summary>
/// <param name="Summary">One row per variant.</param>
/// <param name="Table">Every (variant, seed) row.</param>
/// <param name="Notes">Protocol details.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record BeyondExperimentResult(IReadOnlyList<BeyondSummaryRow> Summary, ResultTable Table, IReadOnlyList<string> Notes, TimeSpan Elapsed)
    : IExperimentResult
{
    /// <summary>The variant with the best mean validation fine accuracy among the rows run (chosen without the test set).</summary>
    public string BestByValidation { get; init; } = "";

    /// <summary>The summary as an aligned text table (accuracies in percent).</summary>
    public string ToText()
    {
        int w = Math.Max(22, Summary.Max(r => r.Variant.Length) + 2);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{"variant".PadRight(w)}{"parameters",11}{"fine acc %",16}{"coarse acc %",16}{"val fine %",16}{"train s/seed",14}{"seeds",6}  hemispheres");
        foreach (var r in Summary)
            sb.AppendLine($"{r.Variant.PadRight(w)}{r.Parameters,11:N0}{Pct(r.Fine),16}{Pct(r.Coarse),16}{Pct(r.Validation),16}{$"{r.TrainSeconds.Mean:F0} ± {r.TrainSeconds.Std:F0}",14}{r.Seeds,6}  {r.Description}"
                + (r.Extra.Count > 0 ? "  [" + string.Join(", ", r.Extra.Select(kv => $"{kv.Key} {kv.Value.ToString("G3", CultureInfo.InvariantCulture)}")) + "]" : ""));
        return sb.ToString();
    }

    private static string Pct(Statistic s) => $"{s.Mean * 100:F2} ± {s.Std * 100:F2}";
}

/// <summary>
/// Ablation of the extensions beyond the bilateral paper on a set with <c>fine</c> and <c>coarse</c> levels: the
/// paper's specialised bilateral network (two ResNet-9, left fine, right coarse) against each extension alone and
/// combinations, all trained by the same <see cref="BeyondProtocol"/> (joint stage 1, heads on cached features),
/// selected on a validation split and scored once on the test set.
/// </summary>
public sealed class BeyondExperiment : IExperiment<BeyondExperimentOptions, BeyondExperimentResult>
{
    private readonly BeyondExperimentOptions options;
    private readonly Device device;

    /// <summary>Creates the experiment; options are validated here.</summary>
    public BeyondExperiment(BeyondExperimentOptions options, Device? device = null)
    {
        this.options = OptionsValidation.ThrowIfInvalid(options, new BeyondExperimentOptionsValidator());
        this.device = device ?? CPU;
    }

    /// <summary>The validated options.</summary>
    public BeyondExperimentOptions Options => options;

    /// <summary>Builds the network of a variant (see <see cref="BeyondExperimentOptions.Variants"/>).</summary>
    public AsymmetricBilateralNetwork Build(string variant, int channels, int fine, int coarse)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var t = variant.Split('+').ToHashSet();
        var o = options;
        var right = t.Contains("selfsup") ? HemisphereObjective.Reconstruct() : t.Contains("contrastive") ? HemisphereObjective.Contrast() : null;
        bool labelFree = t.Contains("labelfree");
        if (labelFree) right ??= HemisphereObjective.Reconstruct();
        StagedHemisphereBuilder Objective(StagedHemisphereBuilder h, LabelLevel level, bool isRight) =>
            ((isRight || labelFree) && right is not null ? h.SelfSupervised(right) : h.Specialize(level)).InputChannels(channels);
        int steps = t.Contains("t1") ? 1 : o.Lattice.Steps;
        StagedHemisphereBuilder Lattice(StagedHemisphereBuilder h, (double B, double D, double T) p) =>
            h.Lattice(l => l.MaxLayers(o.Lattice.Layers).MaxChannels(o.Lattice.Channels).MaxSteps(steps).InputPool(2)
                .Connections(t.Contains("ff") ? Connections.B : Connections.BLT).Pressure(p.B, p.D, p.T), features: 64);
        var mean = ((o.LeftPressure.Breadth + o.RightPressure.Breadth) / 2, (o.LeftPressure.Depth + o.RightPressure.Depth) / 2, (o.LeftPressure.Time + o.RightPressure.Time) / 2);
        bool shared = t.Contains("budget") || t.Contains("fixedsplit") || t.Contains("equalpressure");
        var (leftPressure, rightPressure) = shared ? (mean, mean) : t.Contains("swapped") ? (o.RightPressure, o.LeftPressure) : (o.LeftPressure, o.RightPressure);
        bool coupled = t.Contains("coupled"), frozen = t.Contains("frozenphase"), sync = coupled || frozen || t.Contains("sync");
        StagedHemisphereBuilder Sync(StagedHemisphereBuilder h, int stage) =>
            sync ? h.Synchronize(stage, o.Sync.Steps, o.Sync.KernelSize, o.Sync.MixKernel, stepSize: frozen ? 0 : null) : h;
        var b = AsymmetricBilateralNetwork.Create().Heads(fine, coarse, o.Dropout);
        if (coupled) b.PhaseCoupling(o.PhaseCoupling);
        if (t.Contains("asymmetric"))
        {
            b.Left(h => Objective(Sync(h.ResNet18(o.NarrowWidth), 1), LabelLevel.Fine, false))
             .Right(h => Objective(Sync(h.WideShallow([.. o.WideChannels]), 0), LabelLevel.Coarse, true));
            // Left stage 1 (1/2 resolution) -> right stage 0 (1/2); right stage 0 -> left stage 2 (1/4).
            if (t.Contains("callosal")) b.LinkLeftToRight(1, 0, o.LinkMode).LinkRightToLeft(0, 2, o.LinkMode);
        }
        else if (t.Contains("lattice"))
        {
            b.Left(h => Objective(Lattice(h, leftPressure), LabelLevel.Fine, false))
             .Right(h => Objective(Lattice(h, rightPressure), LabelLevel.Coarse, true));
            if (t.Contains("budget") || t.Contains("fixedsplit"))
                b.SharedBudget(new SharedBudgetOptions { Budget = 2, Temperature = o.BudgetTemperature, Learned = t.Contains("budget"), LearningRate = o.BudgetLearningRate });
        }
        else
        {
            b.Left(h => Objective(Sync(h.ResNet9(o.Width), 1), LabelLevel.Fine, false))
             .Right(h => Objective(Sync(h.ResNet9(o.Width), 1), LabelLevel.Coarse, true));
            // Left stage 1 (1/4 resolution) -> right stage 1; right stage 1 -> left stage 2 (1/8).
            if (t.Contains("callosal")) b.LinkLeftToRight(1, 1, o.LinkMode).LinkRightToLeft(1, 2, o.LinkMode);
        }
        return b.Build();
    }

    /// <summary>
    /// Trains every variant for every seed on <see cref="ExperimentData.Train"/>, scores on <see cref="ExperimentData.Test"/>
    /// and returns the table. The journal keeps every finished (variant, seed) unit, named <c>"{variant} seed {s}"</c>, so a
    /// stopped run resumes when started again with the same options; a unit interrupted mid-training is rerun from its start.
    /// </summary>
    public BeyondExperimentResult Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var train = context.Data.RequireTrain(nameof(BeyondExperiment));
        var test = context.Data.RequireTest(nameof(BeyondExperiment));
        var status = context.Status;
        var cancellationToken = context.Cancellation;
        var journal = context.Journal;
        var stageProgress = context.StageProgress;
        var loggers = context.LoggerFactory;
        foreach (var level in new[] { LabelLevels.Fine, LabelLevels.Coarse })
            if (!train.Labels.ContainsKey(level) || !test.Labels.ContainsKey(level))
                throw new ArgumentException($"BeyondExperiment: both sets need label levels 'fine' and 'coarse'; '{train.Name}' has [{string.Join(", ", train.Labels.Keys)}].", nameof(train));
        var clock = Stopwatch.StartNew();
        int channels = (int)train.Channels, fine = train.ClassCount(LabelLevels.Fine), coarse = train.ClassCount(LabelLevels.Coarse);
        using var limited = options.TrainLimit is { } limit && limit < train.Count ? train.Take(limit) : null;
        var source = limited ?? train;
        using var limitedTest = options.TestLimit is { } tl && tl < test.Count ? test.Take(tl) : null;
        test = limitedTest ?? test;
        var table = new ResultTable("beyond");
        var descriptions = new Dictionary<string, string>();
        foreach (int seed in options.Seeds)
        {
            var (trainSplit, validation) = source.SplitValidation(options.ValidationFraction, seed);
            using var _t = trainSplit;
            using var _v = validation;
            var training = options.Training.Clone();
            training.Bilateral.Seed = seed;
            var protocol = new BeyondProtocol(training, device, loggers);
            foreach (var variant in options.Variants)
            {
                string unit = $"{variant} seed {seed}";
                if (journal is not null && journal.TryGet(unit, out BeyondUnitRecord done))
                {
                    table.Rows.Add(done.Row);
                    descriptions[variant] = done.Description;
                    status?.Report($"seed {seed}: {variant}: finished in an earlier run; reusing its result");
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                Seeding.Seed(seed);
                using var net = Build(variant, channels, fine, coarse);
                descriptions[variant] = Describe(net);
                status?.Report($"seed {seed}: {variant}: {descriptions[variant]} ({net.ParameterCount:N0} parameters)");
                var r = protocol.Train(net, trainSplit, validation, cancellationToken, stageProgress?.Invoke($"seed {seed} · {variant}"));
                var specs = protocol.HeadSpecs(net.Head.Definitions);
                var m = Trainer.Evaluate(net, protocol.EvalSource(test), specs);
                var metrics = new Dictionary<string, double>
                {
                    ["parameters"] = net.ParameterCount,
                    ["fine accuracy"] = m["fine/accuracy"],
                    ["coarse accuracy"] = m["coarse/accuracy"],
                    ["validation fine accuracy"] = r.Stage2.BestValidation["fine/accuracy"],
                    ["validation coarse accuracy"] = r.Stage2.BestValidation["coarse/accuracy"],
                    ["train seconds"] = r.TotalSeconds,
                    ["stage-1 seconds"] = r.Stage1Seconds,
                };
                if (r.BudgetSplit.Count > 0)
                {
                    metrics["left pressure share"] = r.BudgetSplit[Math.Min(r.BestEpoch, r.BudgetSplit.Count - 1)];
                    metrics["left pressure share final"] = r.BudgetSplit[^1];
                }
                foreach (var (side, size) in new[] { ("left", r.LeftResources), ("right", r.RightResources) })
                    if (size is not null)
                    {
                        metrics[$"{side} channels"] = size.Breadth;
                        metrics[$"{side} layers"] = size.Depth;
                        metrics[$"{side} steps"] = size.Time;
                    }
                if (options.ProbeFeatures || variant.Split('+').Contains("labelfree"))
                    foreach (var (key, acc) in HemisphereProbe.Accuracies(net, protocol, trainSplit, test))
                        metrics[key] = acc;
                var coherence = protocol.Coherence(net, test);
                if (coherence is { } c)
                {
                    metrics["phase coherence"] = c.Global;
                    metrics["spatial phase coherence"] = c.Spatial;
                }
                table.Add(variant, "-", seed, metrics);
                journal?.Save(unit, new BeyondUnitRecord(table.Rows[^1], descriptions[variant]));
                status?.Report($"seed {seed}: {variant,-24} fine {m["fine/accuracy"] * 100:F2}%, coarse {m["coarse/accuracy"] * 100:F2}% (validation {r.Stage2.BestValidation["fine/accuracy"] * 100:F2}% / {r.Stage2.BestValidation["coarse/accuracy"] * 100:F2}%), trained in {r.TotalSeconds:F0}s (stage 1 {r.Stage1Seconds:F0}s, best epoch {r.BestEpoch})"
                    + string.Concat(new[] { ("left", r.LeftResources), ("right", r.RightResources) }.Where(x => x.Item2 is not null)
                        .Select(x => $"; {x.Item1} lattice: {x.Item2!.Breadth} channels in {x.Item2.Depth} layers, {x.Item2.Time:F2} expected steps"))
                    + (coherence is { } h ? $"; inter-hemisphere phase coherence {h.Global:F3} (spatial {h.Spatial:F3})" : "")
                    + $"  [{clock.Elapsed:mm\\:ss}]");
            }
        }
        var summary = table.Summarize().Select(s => new BeyondSummaryRow(s.Model, descriptions[s.Model], (long)s.Metrics["parameters"].Mean,
            s.Metrics["fine accuracy"], s.Metrics["coarse accuracy"], s.Metrics["train seconds"],
            s.Metrics.Where(kv => kv.Key.StartsWith("left ") || kv.Key.StartsWith("right ") ||  kv.Key.EndsWith("phase coherence")).ToDictionary(kv => kv.Key, kv => kv.Value.Mean), s.Seeds.Count)
            { Validation = s.Metrics["validation fine accuracy"] }).ToList();
        var bestRow = summary.MaxBy(r => r.Validation.Mean)!;
        var b = options.Training.Bilateral;
        var notes = new List<string>
        {
            $"{source.Count} training images ({options.ValidationFraction:P0} held out for validation), {test.Count} test images; seeds {string.Join(",", options.Seeds)}",
            $"stage 1 (joint, both hemispheres in one pass): {b.Stage1.Epochs} epochs, Adam {b.Stage1.LearningRate:G3}, wd {b.Stage1.WeightDecay:G3}, batch {b.Stage1.BatchSize}; lattice gates SGD {options.Training.GateLearningRate:G3}; best validation epoch kept; batch-norm statistics recomputed over {options.Training.RecalibrationBatches} batches",
            $"stage 2: frozen hemispheres and links, heads on cached features, {b.Stage2.Epochs} epochs (Adam {b.Stage2.LearningRate:G3}, wd {b.Stage2.WeightDecay:G3}, batch {b.Stage2.BatchSize}); dropout {options.Dropout}",
            $"best by mean validation fine accuracy (stage-2 heads, seeds {string.Join(",", options.Seeds)}): {bestRow.Variant} ({bestRow.Validation.Mean * 100:F2} %); its test fine accuracy {bestRow.Fine.Mean * 100:F2} %",
        };
        if (summary.Any(r => r.Extra.ContainsKey("phase coherence")))
            notes.Add($"phase coherence: phase-locking value across the test images of the two hemispheres' amplitude-weighted global phases (1 = locked, ~1/sqrt(N) = independent); spatial: the same per position of a 4x4 grid, averaged; sync = Kuramoto blocks without coupling, coupled = callosal phase coupling kappa {options.PhaseCoupling:G3}");
        return new BeyondExperimentResult(summary, table, notes, clock.Elapsed) { BestByValidation = bestRow.Variant };
    }

    private static string Describe(AsymmetricBilateralNetwork net) =>
        $"L {net.Left.Description} ({net.Left.Objective}) | R {net.Right.Description} ({net.Right.Objective})"
        + (net.Links.Count > 0 ? " | links " + string.Join(", ", net.Links.Select(l => l.Spec.ToString())) : "");
}
