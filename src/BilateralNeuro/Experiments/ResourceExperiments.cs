using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Resources;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>
/// The resource-cost protocols on any 10-class image set (the embedded digits by default in the sample): a trade-off
/// sweep over pressures, growth with task complexity, time under occlusion (Spearman with the occluded fraction,
/// with difficulty and optionally with human reaction times) and an inference benchmark (compaction, adaptive time).
/// Training images are occluded to fractions drawn from [0, MaxTrainOcclusion] so that time has something to buy.
/// The shared code of <see cref="ResourceTradeOffExperiment"/> and <see cref="OcclusionTimeExperiment"/> (and of the
/// growth protocol and <see cref="ResourceSeedSweep"/>, which are not experiments of their own).
/// </summary>
public sealed class ResourceExperiments
{
    private readonly ILogger logger;
    private readonly ExperimentContext? context;

    /// <summary>Creates the protocol runner; loggers (category <c>resources</c>), journal, progress and cancellation come from <paramref name="context"/> (null: none).</summary>
    public ResourceExperiments(ResourceExperimentOptions options, ExperimentContext? context = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        OptionsValidation.ThrowIfInvalid(options.Lattice, new LatticeOptionsValidator());
        ResourceTrainerOptionsValidator.Check(options.Training);
        if (options.TrainCount < options.BatchSize || options.TestCount < 10)
            throw new ArgumentException($"ResourceExperiments: need at least one batch of training images and 10 test images (got {options.TrainCount}, {options.TestCount}).", nameof(options));
        this.context = context;
        logger = context?.LoggerFactory.CreateLogger("resources") ?? NullLogger.Instance;
    }

    /// <summary>The options.</summary>
    public ResourceExperimentOptions Options { get; }

    // Keeps every finished sweep point so a stopped run resumes when started again with the same options (null: nothing kept).
    private ExperimentJournal? Journal => context?.Journal;

    // Creates one progress sink per training run (e.g. a progress bar).
    private Func<string, IProgress<TrainingProgress>>? StageProgress => context?.StageProgress;

    // Stops training after the current step.
    private CancellationToken Cancellation => context?.Cancellation ?? default;

    /// <summary>Trains one network per grid point on the occluded task and reports accuracy against effective size.</summary>
    public List<TradeOffRow> TradeOff(LabeledImages train, LabeledImages test)
    {
        using var tr = OccludedMixed(Sample(train, Options.TrainCount, Options.Seed).Data, Options.Seed);
        int testSeed = StableSeed.Of(Options.Seed, "test-sample");
        using var te = OccludedMixed(Sample(test, Options.TestCount, testSeed).Data, testSeed);
        var rows = new List<TradeOffRow>();
        foreach (var p in Options.Grid)
        {
            if (Journal is not null && Journal.TryGet($"seed {Options.Seed} tradeoff {p}", out TradeOffRow done))
            {
                rows.Add(done);
                logger.LogInformation("Trade-off {Pressure}: finished in an earlier run", p);
                continue;
            }
            var (net, seconds) = Train(tr, p, 10, $"trade-off {p}");
            using (net)
            {
                var eval = LatticeEvaluator.Evaluate(net, Source(te, false));
                var size = new ResourceCostPenalty(Options.Lattice.Cost).Measure(net);
                long compact = CompactParameters(net);
                rows.Add(new TradeOffRow(p.Breadth, p.Depth, p.Time, eval.Accuracy, eval.AdaptiveAccuracy, size.Breadth, size.Depth,
                    eval.MeanExpectedSteps, eval.MeanAdaptiveSteps, string.Join('-', size.ChannelsPerLayer), Parameters(net), compact, seconds));
                Journal?.Save($"seed {Options.Seed} tradeoff {p}", rows[^1]);
                logger.LogInformation("Trade-off {Pressure}: accuracy {Acc:F3}, {B} channels in {D} layers, {T:F2} expected steps ({S:F0}s)",
                    p, eval.Accuracy, size.Breadth, size.Depth, eval.MeanExpectedSteps, seconds);
            }
        }
        return rows;
    }

    /// <summary>Trains at the moderate pressure on tasks of growing complexity (classes, then clutter at 10 classes); each finished task is kept in <see cref="Journal"/>.</summary>
    public List<GrowthRow> Growth(LabeledImages train, LabeledImages test)
    {
        var tasks = Options.Classes.Select(k => (k, 0)).Concat(Options.Clutter.Where(c => c > 0).Select(c => (10, c))).ToList();
        var rows = new List<GrowthRow>();
        foreach (var (classes, clutter) in tasks)
        {
            string unit = $"seed {Options.Seed} growth {classes} classes clutter {clutter}";
            if (Journal is not null && Journal.TryGet(unit, out GrowthRow done))
            {
                rows.Add(done);
                logger.LogInformation("Growth {Classes} classes, clutter {Clutter}: finished in an earlier run", classes, clutter);
                continue;
            }
            using var trK = Task(train, classes, clutter, Options.TrainCount, StableSeed.Of(Options.Seed, "growth-train", classes.ToString(System.Globalization.CultureInfo.InvariantCulture), clutter.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            using var teK = Task(test, classes, clutter, Options.TestCount, StableSeed.Of(Options.Seed, "growth-test", classes.ToString(System.Globalization.CultureInfo.InvariantCulture), clutter.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var (net, seconds) = Train(trK, Options.Moderate, classes, $"growth {classes} classes clutter {clutter}");
            using (net)
            {
                var eval = LatticeEvaluator.Evaluate(net, Source(teK, false));
                var size = new ResourceCostPenalty(Options.Lattice.Cost).Measure(net);
                rows.Add(new GrowthRow(classes, clutter, eval.Accuracy, size.Breadth, size.Depth, eval.MeanExpectedSteps,
                    string.Join('-', size.ChannelsPerLayer), seconds));
                Journal?.Save(unit, rows[^1]);
                logger.LogInformation("Growth {Classes} classes, clutter {Clutter}: accuracy {Acc:F3}, {B} channels in {D} layers, {T:F2} steps",
                    classes, clutter, eval.Accuracy, size.Breadth, size.Depth, eval.MeanExpectedSteps);
            }
        }
        return rows;
    }

    /// <summary>
    /// Trains one halting network at the moderate pressure on mixed occlusion, then measures its time at each test
    /// occlusion level, the Spearman correlations and the inference benchmark.
    /// </summary>
    public OcclusionTimeResult OcclusionTime(LabeledImages train, LabeledImages test)
    {
        if (Journal is null) return RunOcclusionTime(train, test);
        return Journal.Run($"seed {Options.Seed} occlusion", () => RunOcclusionTime(train, test));
    }

    private OcclusionTimeResult RunOcclusionTime(LabeledImages train, LabeledImages test)
    {
        using var tr = OccludedMixed(Sample(train, Options.TrainCount, Options.Seed).Data, Options.Seed);
        var (clean, cleanIndex) = Sample(test, Options.TestCount, StableSeed.Of(Options.Seed, "test-sample"));
        using var cleanOwner = clean;
        var (net, _) = Train(tr, Options.OcclusionPressure, 10, "occlusion");
        using (net)
        {
            var rows = new List<OcclusionRow>();
            var fractions = new List<double>();
            var steps = new List<double>();
            foreach (var level in Options.OcclusionLevels)
            {
                using var te = Occlusion.Apply(clean, Options.Occluder, level, StableSeed.Of(Options.Seed, "occlusion-levels"));
                var eval = LatticeEvaluator.Evaluate(net, Source(te, false));
                var achieved = te.Labels[Occlusion.Level].data<float>().ToArray();
                fractions.AddRange(achieved.Select(f => (double)f));
                steps.AddRange(eval.ExpectedSteps.Select(s => (double)s));
                rows.Add(new OcclusionRow(level, achieved.Average(), eval.Accuracy, eval.AdaptiveAccuracy, eval.MeanExpectedSteps, eval.MeanAdaptiveSteps));
                logger.LogInformation("Occlusion {Level:F2}: accuracy {Acc:F3}, expected steps {T:F3}", level, eval.Accuracy, eval.MeanExpectedSteps);
            }
            var vsOcclusion = Spearman.Correlate(fractions, steps);
            using var cleanOcc = Occlusion.Apply(clean, Options.Occluder, 0, Options.Seed);
            var cleanEval = LatticeEvaluator.Evaluate(net, Source(cleanOcc, false));
            var vsDifficulty = Spearman.Correlate(cleanEval.Margin.Select(m => -(double)m).ToList(), cleanEval.ExpectedSteps.Select(s => (double)s).ToList());
            CorrelationResult? vsRt = null;
            if (Options.ReactionTimes is not null)
            {
                var all = ResourceCsv.ReadReactionTimes(Options.ReactionTimes);
                var rts = Enumerable.Range(0, cleanIndex.Length).Where(i => all.ContainsKey((int)cleanIndex[i]))
                    .Select(i => (Rt: all[(int)cleanIndex[i]], Steps: (double)cleanEval.ExpectedSteps[i])).ToList();
                if (rts.Count >= 3)
                    vsRt = Spearman.Correlate(rts.Select(r => r.Rt).ToList(), rts.Select(r => r.Steps).ToList());
                else logger.LogWarning("Only {Count} reaction times match the {N} test images; no correlation reported", rts.Count, cleanEval.ExpectedSteps.Length);
            }
            using var mid = Occlusion.ApplyMixed(clean, Options.Occluder, Options.MaxTrainOcclusion, StableSeed.Of(Options.Seed, "benchmark-occlusion"));
            var speed = Benchmark(net, mid);
            return new OcclusionTimeResult(rows, vsOcclusion, vsDifficulty, vsRt, speed);
        }
    }

    /// <summary>
    /// Images/s over <paramref name="test"/> of the gated network at fixed T, the compacted network at fixed T and both
    /// with adaptive time, with their accuracies (best of <see cref="ResourceExperimentOptions.BenchmarkRepeats"/>).
    /// </summary>
    public List<SpeedRow> Benchmark(LatticeNetwork net, LabeledImages test)
    {
        net.eval();
        net.Prune(Options.Lattice.Cost.ActiveThreshold);
        LatticeNetwork? compact = null;
        try { compact = net.Compact(Options.Lattice.Cost.ActiveThreshold); }
        catch (InvalidOperationException e) { logger.LogWarning("No compacted network to benchmark: {Message}", e.Message); }
        using var compactOwner = compact;
        var source = Source(test, false);
        var variants = new List<(string Name, LatticeNetwork Net, bool Adaptive)> { ("gated, fixed T", net, false), ("gated, adaptive", net, true) };
        if (compact is not null) { variants.Insert(1, ("compacted, fixed T", compact, false)); variants.Add(("compacted, adaptive", compact, true)); }
        var rows = new List<SpeedRow>();
        double baseline = 0;
        foreach (var (name, model, adaptive) in variants)
        {
            double best = double.PositiveInfinity, acc = 0, meanSteps = 0;
            for (int r = 0; r < Options.BenchmarkRepeats; r++)
            {
                long right = 0, stepSum = 0;
                var clock = Stopwatch.StartNew();
                using (no_grad())
                    foreach (var idx in source.IndexBatches(0))
                    {
                        using var scope = NewDisposeScope();
                        var batch = source.Load(idx, augment: false);
                        var y = batch.Labels[LabelLevels.Fine];
                        if (adaptive)
                        {
                            var res = model.InferAdaptive(batch.Images);
                            right += res.Logits.argmax(1).eq(y).sum().item<long>();
                            stepSum += res.Steps.sum().item<long>();
                        }
                        else
                        {
                            var o = model.call(batch.Images);
                            right += o[LatticeOutputs.StepLogits][.., -1].argmax(1).eq(y).sum().item<long>();
                            stepSum += model.Steps * batch.Size;
                        }
                    }
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
                acc = (double)right / test.Count;
                meanSteps = (double)stepSum / test.Count;
            }
            double rate = test.Count / best;
            if (rows.Count == 0) baseline = rate;
            rows.Add(new SpeedRow(name, rate, acc, meanSteps, Parameters(model), rate / baseline, model.MultiplyAccumulatesPerStep(test.Height, test.Width)));
            logger.LogInformation("Speed {Variant}: {Rate:F0} images/s, accuracy {Acc:F3}, {Steps:F2} steps", name, rate, acc, meanSteps);
        }
        return rows;
    }

    private (LatticeNetwork Net, double Seconds) Train(LabeledImages data, Pressure p, int classes, string name)
    {
        Seeding.Seed(Options.Seed);
        var o = Options.Lattice;
        var options = new LatticeOptions
        {
            InputChannels = (int)data.Channels, Classes = classes, MaxLayers = o.MaxLayers, MaxChannels = o.MaxChannels,
            MaxSteps = o.MaxSteps, Connections = o.Connections, Time = o.Time, PoolEvery = o.PoolEvery, InputPool = o.InputPool,
            KernelSize = o.KernelSize, BatchNorm = o.BatchNorm, InitialGate = o.InitialGate, HaltThreshold = o.HaltThreshold,
            Cost = new ResourceCostOptions
            {
                BreadthPressure = p.Breadth, DepthPressure = p.Depth, TimePressure = p.Time,
                BreadthWeighting = o.Cost.BreadthWeighting, DepthWeighting = o.Cost.DepthWeighting, ActiveThreshold = o.Cost.ActiveThreshold,
            },
        };
        var net = new LatticeNetwork(options);
        var clock = Stopwatch.StartNew();
        new Resources.Training.ResourceProtocol(Options.Training, logger).Train(net, new ResourceCostPenalty(options.Cost), Source(data, true), Cancellation, StageProgress?.Invoke(name));
        return (net, clock.Elapsed.TotalSeconds);
    }

    private BatchSource Source(LabeledImages data, bool shuffle) =>
        new(data, Options.BatchSize, normalization: null, shuffle: shuffle, seed: Options.Seed);

    private LabeledImages OccludedMixed(LabeledImages data, int seed)
    {
        using (data) return Occlusion.ApplyMixed(data, Options.Occluder, Options.MaxTrainOcclusion, seed);
    }

    private LabeledImages Task(LabeledImages source, int classes, int clutter, int count, int seed)
    {
        using var subset = Occlusion.FirstClasses(source, classes);
        using var taken = Sample(subset, count, seed).Data;
        if (clutter == 0) return Occlusion.ApplyMixed(taken, Options.Occluder, Options.MaxTrainOcclusion, seed);
        using var cluttered = Occlusion.Clutter(taken, clutter, seed);
        return Occlusion.ApplyMixed(cluttered, Options.Occluder, Options.MaxTrainOcclusion, StableSeed.Of(seed, "clutter-occlusion"));
    }

    /// <summary>A seeded random subset of <paramref name="count"/> images (all if fewer) and their indices in <paramref name="data"/>.</summary>
    public static (LabeledImages Data, long[] Indices) Sample(LabeledImages data, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        var order = Enumerable.Range(0, (int)data.Count).Select(i => (long)i).ToArray();
        new Random(Core.StableSeed.Of(seed, 0x5a3)).Shuffle(order);
        var chosen = order[..Math.Min(count, order.Length)];
        return (data.Subset(chosen, data.Name), chosen);
    }

    private static long Parameters(nn.Module m) => m.parameters().Sum(p => p.numel());

    private static long CompactParameters(LatticeNetwork net)
    {
        try
        {
            using var copy = net.Compact(net.Options?.Cost.ActiveThreshold ?? 0);
            return Parameters(copy);
        }
        catch (InvalidOperationException) { return 0; }
    }
}
