using BilateralNeuro.Core;
using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Synchrony.Training;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>Models compared by <see cref="SynchronyExperiment"/>.</summary>
public enum SynchronyModel
{
    /// <summary>Real-valued network matched in parameters.</summary>
    Real,
    /// <summary>KomplexNet (Kuramoto phases).</summary>
    KomplexNet,
    /// <summary>KomplexNet with top-down feedback.</summary>
    KomplexNetFeedback,
    /// <summary>Complex network with fixed random phases.</summary>
    RandomPhases,
    /// <summary>Complex network with phases set from the masks.</summary>
    IdealPhases,
}

/// <summary>
/// Options of <see cref="SynchronyExperiment"/>. The defaults are the 5-minute CPU preset <b>in the reference's
/// dynamical regime</b>: T = 15, k = 13 as in the reference, on a shrunk scene (24 × 24 maps, so digits are 3/4 of
/// the reference's size) with ε scaled by (32/24)² so that the local/global coupling ratio, the reach per map side
/// and the integrated local coupling stay inside <see cref="KuramotoRegime"/>'s reference band (<see cref="Regime"/>).
/// <see cref="Reference"/> is the reference's scale (8 × 32 × 32, ε 0.202, 48,000 training images, 30 epochs, batch
/// 256, Adam 1e-2, clip 2). Default budget: 1,000 composed images (800 train), 3 epochs, batch 8, 3 seeds, 150
/// test images per condition, about 5 CPU minutes with <c>--threads 1</c> (<see cref="SynchronyCostEstimate"/>).
/// </summary>
public sealed class SynchronyExperimentOptions
{
    /// <summary>Map side of the reference (32: 50 × 50 canvases resized to 32 × 32).</summary>
    public const int ReferenceMapSize = 32;
    /// <summary>Global repulsion ε of the reference at <see cref="ReferenceMapSize"/> (0.202).</summary>
    public const double ReferenceEpsilon = 0.202;

    /// <summary>
    /// ε that keeps the reference's global repulsion ε·C·H·W (and so its local/global ratio) on
    /// <paramref name="mapSize"/> × <paramref name="mapSize"/> maps: 0.202 · (32 / side)².
    /// </summary>
    public static double EpsilonFor(int mapSize) => ReferenceEpsilon * ReferenceMapSize * ReferenceMapSize / ((double)mapSize * mapSize);

    /// <summary>
    /// The reference's scale: 60,000 composed images of which 80 % (48,000) train, 2,000 test images per condition,
    /// 30 epochs, batch 256, Adam 1e-2, clip 2, T = 15, k = 13, ε 0.202 on 32 × 32 maps, 5 seeds. Hours to days on a
    /// CPU (see <c>--dry-run</c>'s estimate); journaled and sharded by the CLI.
    /// </summary>
    public static SynchronyExperimentOptions Reference() => new()
    {
        TrainImages = 60000, TestImages = 2000, MapSize = ReferenceMapSize, Epsilon = ReferenceEpsilon, Seeds = 5, Models = Enum.GetValues<SynchronyModel>(),
        Training = new SynchronyTrainingOptions { Epochs = 30, BatchSize = 256, LearningRate = 1e-2, GradientClip = 2 },
    };

    /// <summary>
    /// The earlier quick preset (T = 3, k = 5 on 32 × 32 maps, ε 0.202), outside the reference regime; kept for
    /// comparison (its <see cref="Regime"/> warns).
    /// </summary>
    public static SynchronyExperimentOptions OldQuick() => new()
    {
        MapSize = ReferenceMapSize, Epsilon = ReferenceEpsilon, Steps = 3, KernelSize = 5, TrainImages = 3000, TestImages = 300, Seeds = 2,
        Models = Enum.GetValues<SynchronyModel>(), Training = new SynchronyTrainingOptions { Epochs = 4, BatchSize = 16, LearningRate = 3e-3 },
    };

    /// <summary>Composed training images (mixed equally over <see cref="Overlaps"/>, 2 objects).</summary>
    public int TrainImages { get; set; } = 1000;
    /// <summary>Validation images carved from the composed training images.</summary>
    public double ValidationFraction { get; set; } = 0.2;
    /// <summary>Composed test images per condition (from held-out digits).</summary>
    public int TestImages { get; set; } = 150;
    /// <summary>
    /// Side of the composed images and of the oscillator maps (default 24; reference 32). The 50 × 50 canvas is
    /// resized to it, so digits shrink with it; pair a change with <see cref="Epsilon"/> = <see cref="EpsilonFor"/>.
    /// 24 is the smallest side measured at which the untrained reference kernel still binds composed digits like at
    /// 32 (within-object coherence 0.18 → 0.88 over 15 steps, 32: 0.14 → 0.82); at 16 it reaches only 0.39 and at 20
    /// 0.56, although <see cref="KuramotoRegime"/>'s quantities are the reference's at every side: digits of ~9 px
    /// fill too little of the 13 × 13 window (KuramotoDynamicsTests).
    /// </summary>
    public int MapSize { get; set; } = 24;
    /// <summary>Global desynchronising coupling ε (default 0.359 = <see cref="EpsilonFor"/>(24); reference 0.202 at 32).</summary>
    public double Epsilon { get; set; } = EpsilonFor(24);
    /// <summary>Bounding-box overlap levels; one clean test condition each.</summary>
    public double[] Overlaps { get; set; } = [0, 0.25, 0.5];
    /// <summary>
    /// Training options: 3 epochs, batch 8 (300 Adam steps per model and seed on the default 800 training images),
    /// Adam 2e-3 (the reference's 1e-2 at batch 256 scaled by the square root of the batch ratio, rounded), clip 2,
    /// synchrony weight 1.
    /// </summary>
    public SynchronyTrainingOptions Training { get; set; } = new() { Epochs = 3, BatchSize = 8, LearningRate = 2e-3 };
    /// <summary>Kuramoto steps T (also the readouts per pass; reference 15).</summary>
    public int Steps { get; set; } = 15;
    /// <summary>Kuramoto kernel size (reference 13).</summary>
    public int KernelSize { get; set; } = 13;
    /// <summary>Seeds (model initialisation, phases, data order).</summary>
    public int Seeds { get; set; } = 3;
    /// <summary>
    /// Models to compare (default: Real, KomplexNet, RandomPhases, IdealPhases — the fair table; KomplexNetFeedback
    /// costs twice KomplexNet and is in <see cref="Reference"/> and on request).
    /// </summary>
    public SynchronyModel[] Models { get; set; } = [SynchronyModel.Real, SynchronyModel.KomplexNet, SynchronyModel.RandomPhases, SynchronyModel.IdealPhases];
    /// <summary>Test-time Gaussian noise variance (0.1).</summary>
    public double NoiseVariance { get; set; } = 0.1;
    /// <summary>Out-of-distribution test transform: rotation ±degrees, scale range, shift (fraction of the image).</summary>
    public (double Degrees, double MinScale, double MaxScale, double Shift) Ood { get; set; } = (30, 0.75, 1.25, 0.1);
    /// <summary>
    /// Make the two-digit training and overlap test sets as the reference does (<see cref="ReferenceMultiMnist"/>:
    /// <see cref="Overlaps"/> are then upper bounds of its signed overlap) instead of with <see cref="MultiObjectComposer"/>
    /// (default false). The 3-object condition always uses the composer (the reference generator makes 2 digits).
    /// </summary>
    public bool ReferenceData { get; set; }
    /// <summary>Folder for phase-map PNGs of the first seed's Kuramoto models, or null.</summary>
    public string? PhaseMapDirectory { get; set; }

    /// <summary>
    /// Run only these of the seeds 0..<see cref="Seeds"/>−1 (null = all): splits one run's (model, seed) units over
    /// processes; each unit's journal entry is the same as in the whole run, so the entries can be merged.
    /// </summary>
    public int[]? OnlySeeds { get; set; }

    /// <summary>The seeds this run trains: <see cref="OnlySeeds"/> if set, else 0..<see cref="Seeds"/>−1.</summary>
    public IReadOnlyList<int> SeedsToRun() => OnlySeeds is { } only ? only.Distinct().Order().ToArray() : Enumerable.Range(0, Seeds).ToArray();

    /// <summary>The oscillator options these settings give (T, k, ε; the rest at the reference's values).</summary>
    public KuramotoOptions Oscillators() => new() { Steps = Steps, KernelSize = KernelSize, Epsilon = Epsilon };

    /// <summary>The <see cref="KuramotoRegime"/> of <see cref="Oscillators"/> on 8 × <see cref="MapSize"/> × <see cref="MapSize"/> maps at initialisation.</summary>
    public KuramotoRegime Regime() => KuramotoRegime.Of(Oscillators(), MapSize, MapSize);
}

/// <summary>Mean and std over seeds of one model on one test condition.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Condition">Test condition.</param>
/// <param name="Seeds">Seeds averaged.</param>
/// <param name="ExactMatch">Mean exact match over seeds.</param>
/// <param name="ExactMatchStd">Its sample standard deviation over seeds.</param>
/// <param name="LabelAccuracy">Mean per-label accuracy.</param>
/// <param name="F1">Mean micro F1.</param>
/// <param name="Coherence">Mean within-object phase coherence.</param>
/// <param name="Separation">Mean between-object phase separation.</param>
/// <param name="ExactMatchPerStep">Mean exact match after every timestep.</param>
/// <param name="ExactMatchBySeed">Exact match per seed (seed → value), for paired comparisons.</param>
/// <param name="ExactMatchCi">Mean exact match with its 95 % t interval over seeds (<see cref="Statistics.MeanCi"/>).</param>
/// <param name="OptimizerSteps">Optimiser steps per seed of this model (kernel-first stage included).</param>
public sealed record SynchronyResultRow(string Model, string Condition, int Seeds, double ExactMatch, double ExactMatchStd,
    double LabelAccuracy, double F1, double Coherence, double Separation, IReadOnlyList<double> ExactMatchPerStep,
    IReadOnlyDictionary<int, double>? ExactMatchBySeed = null, MeanInterval? ExactMatchCi = null, int OptimizerSteps = 0);

/// <summary>Result of <see cref="SynchronyExperiment.Run"/>.</summary>
public sealed record SynchronyExperimentResult(IReadOnlyList<SynchronyResultRow> Rows, IReadOnlyDictionary<string, long> ParameterCounts,
    IReadOnlyDictionary<string, double> TrainSeconds, TimeSpan Elapsed, IReadOnlyList<string> Figures) : IExperimentResult
{
    /// <summary>
    /// One row per (model, condition), seed column 0: the rows are already means over seeds (exact match, its sd and
    /// 95 % CI over seeds, label accuracy, F1, coherence, separation, parameters, optimiser steps).
    /// </summary>
    public ResultTable Table
    {
        get
        {
            var table = new ResultTable("synchrony")
            {
                SeedsPerRow = Rows.Count == 0 ? null : Rows.Max(r => r.ExactMatchBySeed?.Count ?? 1),
            };
            foreach (var r in Rows)
                table.Add(r.Model, r.Condition, 0, new Dictionary<string, double>
                {
                    ["exact match accuracy"] = r.ExactMatch, ["exact match sd over seeds"] = r.ExactMatchStd, ["label accuracy"] = r.LabelAccuracy,
                    ["F1"] = r.F1, ["coherence"] = r.Coherence, ["separation"] = r.Separation,
                    ["parameters"] = ParameterCounts.TryGetValue(r.Model, out var p) ? p : double.NaN,
                    ["optimizer steps"] = r.OptimizerSteps,
                    ["exact match ci low"] = r.ExactMatchCi?.Low ?? double.NaN, ["exact match ci high"] = r.ExactMatchCi?.High ?? double.NaN,
                }.Where(kv => double.IsFinite(kv.Value)).ToDictionary()); // undefined values (1 seed's CI, a real net's phase metrics) are left out: results.json has no NaN
            table.PercentMetrics.Add("exact match sd over seeds");
            table.PercentMetrics.Add("exact match ci low");
            table.PercentMetrics.Add("exact match ci high");
            return table;
        }
    }
}

/// <summary>What one (model, seed) of <see cref="SynchronyExperiment"/> leaves in its <see cref="ExperimentJournal"/>.</summary>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="TrainSeconds">Training wall time.</param>
/// <param name="Metrics">Test metrics per condition.</param>
/// <param name="OptimizerSteps">Optimiser steps taken (kernel-first stage included).</param>
public sealed record SynchronyUnitRecord(long Parameters, double TrainSeconds, Dictionary<string, SynchronyMetrics> Metrics, int OptimizerSteps = 0);

/// <summary>
/// The KomplexNet protocol at configurable scale: compose 2-object training images from the training digits (overlap
/// levels mixed), train every model per seed with <see cref="SynchronyTraining"/>, then test on held-out digits under
/// every condition: each overlap level, Gaussian noise, an out-of-distribution affine transform and 3 objects.
/// </summary>
public sealed class SynchronyExperiment : IExperiment<SynchronyExperimentOptions, SynchronyExperimentResult>
{
    /// <summary>Creates the experiment; options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public SynchronyExperiment(SynchronyExperimentOptions options) =>
        Options = BilateralNeuro.Core.OptionsValidation.ThrowIfInvalid(options ?? throw new ArgumentNullException(nameof(options)), new SynchronyExperimentOptionsValidator());

    /// <summary>The validated options.</summary>
    public SynchronyExperimentOptions Options { get; }

    /// <summary>Test-condition names in table order.</summary>
    public static IReadOnlyList<string> Conditions(SynchronyExperimentOptions o) =>
        o.Overlaps.Select(v => $"overlap {v}").Concat([$"noise {o.NoiseVariance}", "OOD affine", "3 objects"]).ToList();

    /// <summary>
    /// Runs the protocol on single-object images: <see cref="ExperimentData.Train"/> holds the single digits to compose
    /// training images from, <see cref="ExperimentData.Test"/> the held-out single digits for the test conditions (level
    /// <c>fine</c>). Logs under the category <c>synchrony</c>; the journal keeps every finished (model, seed) so a
    /// stopped run resumes when started again with the same options; cancellation stops after the current training step.
    /// </summary>
    public SynchronyExperimentResult Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var trainDigits = context.Data.RequireTrain(nameof(SynchronyExperiment));
        var testDigits = context.Data.RequireTest(nameof(SynchronyExperiment));
        var options = Options;
        ILogger logger = context.LoggerFactory.CreateLogger("synchrony");
        var cancellationToken = context.Cancellation;
        var journal = context.Journal;
        var stageProgress = context.StageProgress;
        OptionsValidation.ThrowIfInvalid(options, new SynchronyExperimentOptionsValidator());
        if (options.Models.Any(m => m is SynchronyModel.KomplexNet or SynchronyModel.KomplexNetFeedback))
            options.Regime().Log(logger);
        var clock = Stopwatch.StartNew();
        int per = Math.Max(1, options.TrainImages / options.Overlaps.Length);
        MultiObjectSet TwoDigits(LabeledImages digits, int count, double overlap, int seed) => options.ReferenceData
            ? ReferenceMultiMnist.Compose(digits, count, new ReferenceMultiMnistOptions { MaxOverlap = overlap, OutputSize = options.MapSize }, seed)
            : MultiObjectComposer.Compose(digits, count, new MultiObjectOptions { Overlap = overlap, OutputSize = options.MapSize }, seed);
        var parts = options.Overlaps.Select((v, i) => TwoDigits(trainDigits, per, v, seed: 100 + i)).ToList();
        using var all = Concat(parts, "train");
        foreach (var p in parts) p.Dispose();
        var (train, validation) = all.SplitValidation(options.ValidationFraction, seed: 1);
        var tests = new List<(string Name, MultiObjectSet Set)>();
        for (int i = 0; i < options.Overlaps.Length; i++)
            tests.Add(($"overlap {options.Overlaps[i]}", TwoDigits(testDigits, options.TestImages, options.Overlaps[i], seed: 200 + i)));
        var clean0 = tests[0].Set;
        tests.Add(($"noise {options.NoiseVariance}", clean0.WithNoise(options.NoiseVariance, seed: 300)));
        tests.Add(("OOD affine", clean0.Transformed(options.Ood.Degrees, options.Ood.MinScale, options.Ood.MaxScale, options.Ood.Shift, seed: 301, suffix: "ood")));
        tests.Add(("3 objects", MultiObjectComposer.Compose(testDigits, options.TestImages, new MultiObjectOptions { Objects = 3, OutputSize = options.MapSize }, seed: 302)));

        var metrics = new Dictionary<(SynchronyModel, string), List<SynchronyMetrics>>();
        var seedsOf = new Dictionary<(SynchronyModel, string), List<int>>();
        var stepsOf = new Dictionary<SynchronyModel, int>();
        var counts = new Dictionary<string, long>();
        var seconds = new Dictionary<string, double>();
        var figures = new List<string>();
        foreach (var model in options.Models)
        {
            foreach (int seed in options.SeedsToRun())
            {
                string unit = $"{model} seed {seed}";
                if (journal is not null && journal.TryGet(unit, out SynchronyUnitRecord done))
                {
                    counts[model.ToString()] = done.Parameters;
                    seconds[model.ToString()] = seconds.GetValueOrDefault(model.ToString()) + done.TrainSeconds;
                    stepsOf[model] = done.OptimizerSteps;
                    foreach (var (name, m) in done.Metrics)
                    {
                        if (!metrics.TryGetValue((model, name), out var stored)) metrics[(model, name)] = stored = new();
                        stored.Add(m);
                        if (!seedsOf.TryGetValue((model, name), out var ss)) seedsOf[(model, name)] = ss = new();
                        ss.Add(seed);
                    }
                    logger.LogInformation("{Model} seed {Seed}: finished in an earlier run", model, seed);
                    if (seed == 0 && options.PhaseMapDirectory is not null && Path.Combine(options.PhaseMapDirectory, $"phases-{model}-data.png") is { } map && File.Exists(map))
                        figures.Add(map);
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var unitMetrics = new Dictionary<string, SynchronyMetrics>();
                torch.manual_seed(StableSeed.Of(seed, "model-init"));
                using var net = Create(model, options);
                counts[model.ToString()] = net.parameters().Sum(p => p.numel());
                var training = new SynchronyTrainingOptions
                {
                    Epochs = options.Training.Epochs, BatchSize = options.Training.BatchSize, LearningRate = options.Training.LearningRate,
                    GradientClip = options.Training.GradientClip, SynchronyWeight = options.Training.SynchronyWeight, Seed = seed,
                    KernelFirstEpochs = model is SynchronyModel.KomplexNet or SynchronyModel.KomplexNetFeedback ? options.Training.KernelFirstEpochs : 0,
                };
                var fit = SynchronyTraining.Fit(net, train, validation, training, logger, cancellationToken, stageProgress?.Invoke($"{model} seed {seed}"));
                seconds[model.ToString()] = seconds.GetValueOrDefault(model.ToString()) + fit.Elapsed.TotalSeconds;
                stepsOf[model] = fit.OptimizerSteps;
                logger.LogInformation("{Model} seed {Seed}: best epoch {Epoch}, validation exact match {Val:F3}, {Seconds:F0}s", model, seed, fit.BestEpoch, fit.BestValidationExactMatch, fit.Elapsed.TotalSeconds);
                foreach (var (name, set) in tests)
                {
                    var m = SynchronyTraining.Evaluate(net, set, options.Training.BatchSize, seed: seed);
                    if (!metrics.TryGetValue((model, name), out var list)) metrics[(model, name)] = list = new();
                    list.Add(m);
                    if (!seedsOf.TryGetValue((model, name), out var ss)) seedsOf[(model, name)] = ss = new();
                    ss.Add(seed);
                    unitMetrics[name] = m;
                }
                if (seed == 0 && options.PhaseMapDirectory is not null && net is KomplexNet k)
                    figures.Add(WritePhaseMaps(k, clean0, 0, Path.Combine(options.PhaseMapDirectory, $"phases-{model}-data.png")));
                journal?.Save(unit, new SynchronyUnitRecord(counts[model.ToString()], fit.Elapsed.TotalSeconds, unitMetrics, fit.OptimizerSteps));
            }
        }
        foreach (var (_, set) in tests) set.Dispose();
        train.Dispose();
        validation.Dispose();
        var rows = new List<SynchronyResultRow>();
        foreach (var model in options.Models)
        foreach (var cond in Conditions(options))
        {
            var l = metrics[(model, cond)];
            var em = l.Select(m => m.ExactMatch).ToArray();
            double mean = em.Average();
            double std = em.Length > 1 ? Math.Sqrt(em.Sum(v => (v - mean) * (v - mean)) / (em.Length - 1)) : 0;
            int steps = l[0].ExactMatchPerStep.Count;
            var perStep = Enumerable.Range(0, steps).Select(t => l.Average(m => m.ExactMatchPerStep[t])).ToArray();
            rows.Add(new SynchronyResultRow(model.ToString(), cond, l.Count, mean, std, l.Average(m => m.LabelAccuracy), l.Average(m => m.F1),
                l.Average(m => m.Coherence), l.Average(m => m.Separation), perStep,
                seedsOf[(model, cond)].Zip(em).ToDictionary(p => p.First, p => p.Second), em.Length > 1 ? Statistics.MeanCi(em) : null, stepsOf.GetValueOrDefault(model)));
        }
        return new SynchronyExperimentResult(rows, counts, seconds, clock.Elapsed, figures);
    }

    /// <summary>Builds one of the compared models.</summary>
    public static nn.Module<Tensor, Dictionary<string, Tensor>> Create(SynchronyModel model, SynchronyExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var b = SynchronyModels.KomplexNet().Input(options.MapSize).Oscillators(k => k.Kernel(options.KernelSize).Steps(options.Steps).Epsilon(options.Epsilon));
        return model switch
        {
            SynchronyModel.Real => SynchronyModels.RealBaseline(inputSize: options.MapSize),
            SynchronyModel.KomplexNet => b.Build(),
            SynchronyModel.KomplexNetFeedback => b.WithFeedback().Build(),
            SynchronyModel.RandomPhases => b.RandomPhases().Build(),
            SynchronyModel.IdealPhases => b.IdealPhases().Build(),
            _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown model."),
        };
    }

    /// <summary>
    /// Writes one PNG of a sample's phase maps over time: the input on top, then one row per timestep with the
    /// channels side by side (hue = phase, brightness = amplitude), 3x nearest upscaling, no text (the library does not
    /// draw): the experiment names it <c>phases-MODEL-data.png</c>, and the CLI and the sample draw the labelled
    /// figure <c>phases-MODEL.png</c> around it (title, axes, phase colour bar). Returns the path.
    /// </summary>
    public static string WritePhaseMaps(KomplexNet net, MultiObjectSet set, int index, string path)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(set);
        using var scope = NewDisposeScope();
        bool wasTraining = net.training;
        net.eval();
        using (no_grad())
        {
            var x = set.Images.narrow(0, index, 1);
            var run = net.Run(x, set.Masks.narrow(0, index, 1), keepPhases: true, generator: new Generator(5));
            var rows = run.PhaseHistory!.Select(p => PhaseMetrics.PhaseMap(p[0], run.Amplitude[0])).ToList();
            var width = rows[0].shape[2];
            var input = x[0].expand(3, -1, -1);
            var top = torch.cat([input, torch.zeros(3, input.shape[1], width - input.shape[2])], 2);
            var sheet = torch.cat([top, .. rows], 1);
            var big = sheet.repeat_interleave(3, 1).repeat_interleave(3, 2); // 3x nearest upscaling
            PngWriter.Write(path, big);
        }
        if (wasTraining) net.train();
        return path;
    }

    private static MultiObjectSet Concat(IReadOnlyList<MultiObjectSet> parts, string name) => new(name,
        torch.cat(parts.Select(p => p.Images).ToArray(), 0), torch.cat(parts.Select(p => p.Masks).ToArray(), 0),
        torch.cat(parts.Select(p => p.Labels).ToArray(), 0), torch.cat(parts.Select(p => p.Overlap).ToArray(), 0));
}
