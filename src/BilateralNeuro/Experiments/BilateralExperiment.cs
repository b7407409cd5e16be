using System.Diagnostics;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Experiments;

/// <summary>One row of the comparison: a model's size and test accuracies, mean and sample std over seeds.</summary>
public sealed record BilateralSummaryRow(string Model, long Parameters, double FineMean, double FineStd,
    double CoarseMean, double CoarseStd, int Seeds);

/// <summary>Speed of stage 2 on cached features against stage 1, measured in the same run.</summary>
/// <param name="Stage1EpochSeconds">Mean stage-1 epoch of one hemisphere (train + validation pass).</param>
/// <param name="Stage2EpochSeconds">Mean stage-2 epoch (train + validation pass on cached features).</param>
/// <param name="CacheSeconds">One-off cost of computing the cached features (train + validation).</param>
public sealed record Stage2Benchmark(double Stage1EpochSeconds, double Stage2EpochSeconds, double CacheSeconds)
{
    /// <summary>How many times faster a stage-2 epoch is than a stage-1 epoch.</summary>
    public double Speedup => Stage1EpochSeconds / Math.Max(1e-9, Stage2EpochSeconds);
}

/// <summary>What one seed of <see cref="BilateralExperiment"/> leaves in its <see cref="ExperimentJournal"/>.</summary>
/// <param name="Rows">The seed's table rows.</param>
/// <param name="Benchmark">Its stage-2 speed measurement.</param>
public sealed record BilateralSeedRecord(List<ResultRow> Rows, Stage2Benchmark? Benchmark);

/// <summary>The outcome of <see cref="BilateralExperiment.Run"/>.</summary>
/// <param name="Summary">Typed table: model, parameters, fine and coarse test accuracy (mean, std over seeds).</param>
/// <param name="Table">Every (model, seed) row, for <see cref="RunRecord"/> and merging.</param>
/// <param name="Benchmarks">Stage-2 speed per seed (specialised protocol only).</param>
/// <param name="Notes">Protocol details worth printing.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record BilateralExperimentResult(IReadOnlyList<BilateralSummaryRow> Summary, ResultTable Table,
    IReadOnlyList<Stage2Benchmark> Benchmarks, IReadOnlyList<string> Notes, TimeSpan Elapsed)
{
    /// <summary>The summary as an aligned text table (accuracies in percent).</summary>
    public string ToText()
    {
        int w = Math.Max(30, Summary.Max(r => r.Model.Length) + 2);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{"model".PadRight(w)}{"parameters",12}{"fine acc %",18}{"coarse acc %",18}{"seeds",7}");
        foreach (var r in Summary)
            sb.AppendLine($"{r.Model.PadRight(w)}{r.Parameters,12:N0}{Pct(r.FineMean, r.FineStd),18}{Pct(r.CoarseMean, r.CoarseStd),18}{r.Seeds,7}");
        return sb.ToString();
    }

    private static string Pct(double mean, double std) => double.IsNaN(mean) ? "-" : $"{mean * 100:F2} ± {std * 100:F2}";
}

/// <summary>
/// Runs the bilateral paper's comparison on a labelled set with <c>fine</c> and <c>coarse</c> levels: the specialised
/// bilateral network (two-stage protocol), optionally its stage-3 fine-tune, the same network trained end to end, a
/// unilateral ResNet-9, ResNet-18 and ResNet-34 at the same width, and ensembles of the top k of N unilateral networks
/// chosen on validation data. Every model is selected on a validation split of the training set and scored once on
/// the test set.
/// </summary>
public sealed class BilateralExperiment
{
    /// <summary>Row name of the specialised bilateral network.</summary>
    public const string Specialized = "bilateral (specialized)";
    private readonly BilateralExperimentOptions options;
    private readonly Device device;
    private readonly ILoggerFactory? loggers;

    /// <summary>Creates the experiment; options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public BilateralExperiment(BilateralExperimentOptions options, Device? device = null, ILoggerFactory? loggerFactory = null)
    {
        this.options = OptionsValidation.ThrowIfInvalid(options, new BilateralExperimentOptionsValidator());
        this.device = device ?? CPU;
        loggers = loggerFactory;
    }

    /// <summary>
    /// Keeps finished seeds and per-model trainer checkpoints, so a stopped run resumes when started again with the
    /// same options (null: nothing is kept).
    /// </summary>
    public ExperimentJournal? Journal { get; init; }

    /// <summary>Creates one progress sink per training run (named e.g. "seed 0 · unilateral ResNet-9 2/5"), e.g. a progress bar.</summary>
    public Func<string, IProgress<TrainingProgress>>? StageProgress { get; init; }

    /// <summary>Runs every model for every seed and returns the table.</summary>
    /// <param name="train">Training set (a validation split is carved from it per seed).</param>
    /// <param name="test">Test set, used only for the final scores.</param>
    /// <param name="status">Receives one line per model and seed (e.g. for a console).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public BilateralExperimentResult Run(LabeledImages train, LabeledImages test, IProgress<string>? status = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        foreach (var level in new[] { LabelLevels.Fine, LabelLevels.Coarse })
            if (!train.Labels.ContainsKey(level) || !test.Labels.ContainsKey(level))
                throw new ArgumentException($"BilateralExperiment: both sets need label levels 'fine' and 'coarse'; '{train.Name}' has [{string.Join(", ", train.Labels.Keys)}].", nameof(train));
        var clock = Stopwatch.StartNew();
        int channels = (int)train.Channels;
        var heads = new List<HeadDefinition> { new(LabelLevels.Fine, train.ClassCount(LabelLevels.Fine)), new(LabelLevels.Coarse, train.ClassCount(LabelLevels.Coarse)) };
        var table = new ResultTable("bilateral");
        var benchmarks = new List<Stage2Benchmark>();
        using var limited = options.TrainLimit is { } limit && limit < train.Count ? train.Take(limit) : null;
        var source = limited ?? train;
        using var limitedTest = options.TestLimit is { } tlimit && tlimit < test.Count ? test.Take(tlimit) : null;
        test = limitedTest ?? test;

        foreach (int seed in options.Seeds)
        {
            string unit = $"seed-{seed}";
            if (Journal is not null && Journal.TryGet(unit, out BilateralSeedRecord done))
            {
                table.Rows.AddRange(done.Rows);
                if (done.Benchmark is { } b) benchmarks.Add(b);
                status?.Report($"seed {seed}: finished in an earlier run; reusing its {done.Rows.Count} rows");
                continue;
            }
            int rowsBefore = table.Rows.Count;
            Stage2Benchmark? seedBenchmark = null;
            IProgress<TrainingProgress>? Bar(string what) => StageProgress?.Invoke($"seed {seed} · {what}");
            var (trainSplit, validation) = source.SplitValidation(options.ValidationFraction, seed);
            using var _t = trainSplit;
            using var _v = validation;
            var training = options.Training.Clone();
            training.Seed = seed;
            training.CheckpointDirectory = Journal?.UnitDirectory(unit);
            var protocol = new BilateralProtocol(training, device, loggers);
            var twoStage = training.Clone();
            twoStage.Stage3.Epochs = 0;
            var twoStageProtocol = new BilateralProtocol(twoStage, device, loggers);
            var testSource = protocol.EvalSource(test);
            var specs = protocol.HeadSpecs(heads);
            void Record(string model, nn.Module<Tensor, Dictionary<string, Tensor>> net, long parameters, IReadOnlyList<HeadSpec>? only = null)
            {
                var m = Trainer.Evaluate(net, testSource, only ?? specs);
                var metrics = new Dictionary<string, double> { ["parameters"] = parameters };
                foreach (var h in only ?? specs) metrics[$"{h.Output} accuracy"] = m[$"{h.Output}/accuracy"];
                table.Add(model, "-", seed, metrics);
                status?.Report($"seed {seed}: {model,-34} {string.Join(", ", metrics.Where(kv => kv.Key != "parameters").Select(kv => $"{kv.Key} {kv.Value * 100:F2}%"))}  [{clock.Elapsed:mm\\:ss}]");
            }

            // Specialised bilateral network: stage 1 per hemisphere, stage 2 heads on frozen features, optional stage 3.
            Seeding.Seed(seed);
            using (var net = BuildBilateral(channels, heads, specialized: true))
            {
                net.to(device);
                status?.Report($"seed {seed}: training the specialised bilateral network ({net.ParameterCount:N0} parameters)");
                var r = twoStageProtocol.TrainSpecialized(net, trainSplit, validation, Bar("specialized bilateral"), cancellationToken);
                var bench = new Stage2Benchmark(r.Stage1EpochSeconds, r.Stage2EpochSeconds, r.CacheSeconds);
                benchmarks.Add(bench);
                seedBenchmark = bench;
                Record("left hemisphere alone (fine)", r.LeftClassifier, r.LeftClassifier.ParameterCount, [specs[0]]);
                Record("right hemisphere alone (coarse)", r.RightClassifier, r.RightClassifier.ParameterCount, [specs[1]]);
                Record(Specialized, net, net.ParameterCount);
                if (options.AnalysisDirectory is { } dir && seed == options.Seeds[0])
                {
                    var analysis = Analysis.BilateralAnalysis.Write(dir, net, r.LeftClassifier, r.RightClassifier, testSource);
                    status?.Report($"seed {seed}: wrote {analysis.GradCamImages.Count} Grad-CAM overlays and the feature-similarity analysis to {dir}");
                    foreach (var g in analysis.Groups)
                        status?.Report($"    {g.Group}: {g.Images} images, {g.Pairs} same-label pairs, mean cosine left {g.Left:F3} right {g.Right:F3} concatenated {g.Concatenated:F3}");
                }
                status?.Report($"seed {seed}: stage-2 epoch {bench.Stage2EpochSeconds:F3}s vs stage-1 epoch {bench.Stage1EpochSeconds:F2}s: {bench.Speedup:F1}x faster (one-off feature cache {bench.CacheSeconds:F2}s)");
                if (training.Stage3.Epochs > 0)
                {
                    status?.Report($"seed {seed}: stage 3 (extension): fine-tuning everything for {training.Stage3.Epochs} epochs");
                    protocol.FineTune(net, trainSplit, validation, Bar("stage-3 fine-tune"), cancellationToken);
                    Record(Specialized + " + stage-3 fine-tune", net, net.ParameterCount);
                }
            }

            if (options.BilateralEndToEnd)
            {
                Seeding.Seed(seed);
                using var net = BuildBilateral(channels, heads, specialized: false);
                status?.Report($"seed {seed}: training the bilateral network end to end");
                protocol.TrainEndToEnd(net, heads, trainSplit, validation, 0, Bar("bilateral end to end"), cancellationToken, "bilateral");
                Record("bilateral (end to end)", net, net.ParameterCount);
            }

            foreach (var (kind, name, on) in new[] { (BackboneKind.ResNet18, "ResNet-18", options.ResNet18), (BackboneKind.ResNet34, "ResNet-34", options.ResNet34) })
            {
                if (!on) continue;
                Seeding.Seed(seed);
                using var net = new UnilateralNetwork(new HemisphereBuilder().Kind(kind).Width(options.Width).InputChannels(channels).Build(), heads, options.Dropout);
                status?.Report($"seed {seed}: training {name} ({net.ParameterCount:N0} parameters)");
                protocol.TrainEndToEnd(net, heads, trainSplit, validation, 0, Bar(name), cancellationToken, name);
                Record(name, net, net.ParameterCount);
            }

            // Pool of unilateral ResNet-9 networks; member 0 is the unilateral baseline.
            var pool = new List<UnilateralNetwork>();
            try
            {
                for (int m = 0; m < options.EnsemblePool; m++)
                {
                    Seeding.Seed(seed * 1000 + m);
                    var net = new UnilateralNetwork(Hemisphere.ResNet9().Width(options.Width).InputChannels(channels).Build(), heads, options.Dropout);
                    pool.Add(net);
                    status?.Report($"seed {seed}: training unilateral ResNet-9 {m + 1}/{options.EnsemblePool}");
                    protocol.TrainEndToEnd(net, heads, trainSplit, validation, 100 + m, Bar($"unilateral ResNet-9 {m + 1}/{options.EnsemblePool}"), cancellationToken, $"pool-{m}");
                    if (m == 0) Record("unilateral ResNet-9", net, net.ParameterCount);
                }
                var validationSource = protocol.EvalSource(validation);
                var ranking = EnsembleSelection.TopK(pool.Cast<nn.Module<Tensor, Dictionary<string, Tensor>>>().ToList(), validationSource, specs, pool.Count);
                foreach (int k in options.EnsembleSizes)
                {
                    var chosen = ranking.Take(k).ToList();
                    var ensemble = new Ensemble(chosen.Select(i => (nn.Module<Tensor, Dictionary<string, Tensor>>)pool[i]), heads.Select(h => h.Name), options.Combine);
                    Record($"ensemble top-{k} of {pool.Count} (validation)", ensemble, ensemble.ParameterCount);
                }
            }
            finally
            {
                foreach (var n in pool) n.Dispose();
            }
            Journal?.Save(unit, new BilateralSeedRecord(table.Rows.Skip(rowsBefore).ToList(), seedBenchmark));
        }

        var summary = table.Summarize().Select(s => new BilateralSummaryRow(s.Model,
            (long)s.Metrics["parameters"].Mean,
            s.Metrics.TryGetValue("fine accuracy", out var f) ? f.Mean : double.NaN, f?.Std ?? double.NaN,
            s.Metrics.TryGetValue("coarse accuracy", out var c) ? c.Mean : double.NaN, c?.Std ?? double.NaN,
            s.Seeds.Count)).ToList();
        var notes = new List<string>
        {
            $"preset {options.Preset}: width {options.Width}, dropout {options.Dropout}, {source.Count} training images ({options.ValidationFraction:P0} held out for validation), {test.Count} test images",
            $"stage 1 {options.Training.Stage1.Epochs} epochs (Adam {options.Training.Stage1.LearningRate:G3}, wd {options.Training.Stage1.WeightDecay:G3}), stage 2 {options.Training.Stage2.Epochs} epochs on {(options.Training.CacheFeatures ? "cached features" : "frozen hemispheres")} (wd {options.Training.Stage2.WeightDecay:G3}), baselines {options.Training.EndToEnd.Epochs} epochs, batch {options.Training.Stage1.BatchSize}",
            "every model: weights of the best validation epoch (fine accuracy); ensembles: top k of the pool by validation fine accuracy, averaged " + options.Combine.ToString().ToLowerInvariant(),
            $"stage-2 speed: {string.Join("; ", benchmarks.Select(b => $"{b.Speedup:F1}x ({b.Stage2EpochSeconds:F3}s vs {b.Stage1EpochSeconds:F2}s per epoch, cache {b.CacheSeconds:F2}s once)"))}",
        };
        return new BilateralExperimentResult(summary, table, benchmarks, notes, clock.Elapsed);
    }

    private BilateralNetwork BuildBilateral(int channels, IReadOnlyList<HeadDefinition> heads, bool specialized)
    {
        var builder = BilateralNetwork.Create()
            .Left(h => specialized ? h.ResNet9().Width(options.Width).InputChannels(channels).Specialize(LabelLevel.Fine) : h.ResNet9().Width(options.Width).InputChannels(channels))
            .Right(h => specialized ? h.ResNet9().Width(options.Width).InputChannels(channels).Specialize(LabelLevel.Coarse) : h.ResNet9().Width(options.Width).InputChannels(channels))
            .Heads(heads.ToArray()).Dropout(options.Dropout).Gated(options.Gated);
        var net = builder.Build();
        net.to(device);
        return net;
    }
}
