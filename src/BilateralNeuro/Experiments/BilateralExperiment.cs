using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;
using BilateralNeuro.Reporting;

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
    IReadOnlyList<Stage2Benchmark> Benchmarks, IReadOnlyList<string> Notes, TimeSpan Elapsed) : IExperimentResult
{
    /// <summary>Paired differences by seed of every row against <see cref="Reference"/> (fine and coarse accuracy), Holm across each metric's rows.</summary>
    public IReadOnlyList<BilateralComparison> Comparisons { get; init; } = [];

    /// <summary>The row every paired difference is taken against (the specialised network under the main protocol).</summary>
    public string Reference { get; init; } = "";

    /// <summary>The comparisons as text, one line per row and metric (differences in percentage points).</summary>
    public string ComparisonsText()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in Comparisons)
        {
            var p = c.Comparison;
            var pp = p with { Mean = p.Mean * 100, Sd = p.Sd * 100, CiLow = p.CiLow * 100, CiHigh = p.CiHigh * 100, BootstrapLow = p.BootstrapLow * 100, BootstrapHigh = p.BootstrapHigh * 100 };
            sb.AppendLine($"{c.Metric} (pp): {pp}");
        }
        return sb.ToString();
    }

    /// <summary>Writes <c>comparisons.csv</c> (metric, row, then <see cref="PairedComparison.CsvHeader"/>; differences as fractions) into <paramref name="directory"/>.</summary>
    public string WriteComparisons(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(string.Join(",", new[] { "metric", "row", "reference" }.Concat(PairedComparison.CsvHeader)));
        foreach (var c in Comparisons)
        {
            string row = c.Comparison.Name.EndsWith(" - " + Reference, StringComparison.Ordinal) ? c.Comparison.Name[..^(Reference.Length + 3)] : c.Comparison.Name;
            sb.AppendLine(string.Join(",", new[] { Csv(c.Metric), Csv(row), Csv(Reference) }.Concat(c.Comparison.CsvValues())));
        }
        string path = Path.Combine(directory, "comparisons.csv");
        AtomicFile.WriteText(path, sb.ToString());
        return path;
    }

    private static string Csv(string v) => v.Contains(',') || v.Contains('"') ? "\"" + v.Replace("\"", "\"\"") + "\"" : v;

    /// <summary>The summary as an aligned text table (accuracies in percent).</summary>
    public string ToText()
    {
        int w = Math.Max(30, Summary.Max(r => r.Model.Length) + 2);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{"model".PadRight(w)}{"parameters",12}{"fine acc %",18}{"coarse acc %",18}{"seeds",7}");
        foreach (var r in Summary)
            sb.AppendLine($"{r.Model.PadRight(w)}{r.Parameters,12:N0}{Pct(r.FineMean, r.FineStd),18}{Pct(r.CoarseMean, r.CoarseStd),18}{r.Seeds,7}");
        if (Comparisons.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"Paired differences by seed against '{Reference}' (percentage points; 95 % t CI; sign test; Holm across each metric's rows):");
            sb.AppendLine($"{"model".PadRight(w)}{"Δ fine [95 % CI]",28}{"W/L",6}{"Holm p",8}{"Δ coarse [95 % CI]",28}{"W/L",6}{"Holm p",8}");
            foreach (var r in Summary.Where(r => r.Model != Reference))
            {
                string Cell(string metric)
                {
                    var c = Comparisons.FirstOrDefault(x => x.Metric == metric && x.Comparison.Name == $"{r.Model} - {Reference}")?.Comparison;
                    if (c is null) return $"{"-",28}{"",6}{"",8}";
                    string ci = double.IsNaN(c.CiLow) ? "n/a" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{c.CiLow * 100:+0.00;-0.00}, {c.CiHigh * 100:+0.00;-0.00}]");
                    return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{$"{c.Mean * 100:+0.00;-0.00} {ci}",28}{$"{c.Wins}/{c.Losses}",6}{(double.IsNaN(c.HolmP) ? "n/a" : c.HolmP.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)),8}");
                }
                sb.AppendLine($"{r.Model.PadRight(w)}{Cell("fine accuracy")}{Cell("coarse accuracy")}");
            }
        }
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
public sealed class BilateralExperiment : IExperiment<BilateralExperimentOptions, BilateralExperimentResult>
{
    /// <summary>Row name of the specialised bilateral network.</summary>
    public const string Specialized = "bilateral (specialized)";
    private readonly BilateralExperimentOptions options;
    private readonly Device device;

    /// <summary>Creates the experiment; options are validated here.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public BilateralExperiment(BilateralExperimentOptions options, Device? device = null)
    {
        this.options = OptionsValidation.ThrowIfInvalid(options, new BilateralExperimentOptionsValidator());
        this.device = device ?? CPU;
    }

    /// <summary>The validated options.</summary>
    public BilateralExperimentOptions Options => options;

    /// <summary>
    /// Runs every model for every seed and returns the table. Reads <see cref="ExperimentData.Train"/> (a validation
    /// split is carved from it per seed) and <see cref="ExperimentData.Test"/> (final scores only); the journal keeps
    /// finished seeds and per-model trainer checkpoints; status gets one line per model and seed.
    /// </summary>
    public BilateralExperimentResult Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var train = context.Data.RequireTrain(nameof(BilateralExperiment));
        var test = context.Data.RequireTest(nameof(BilateralExperiment));
        var status = context.Status;
        var cancellationToken = context.Cancellation;
        var journal = context.Journal;
        var stageProgress = context.StageProgress;
        var loggers = context.LoggerFactory;
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

        var main = options.Protocol;
        var protocols = options.CompareProtocols
            ? new[] { main, main == TrainingProtocol.Clean ? TrainingProtocol.Original : TrainingProtocol.Clean }
            : new[] { main };
        string hemi = HemisphereName(options.Backbone);
        string reference = SpecializedRow(main, options.Backbone);
        double momentum = main.BatchNormMomentum();
        var combine = main.Combine(options.Combine);

        foreach (int seed in options.Seeds)
        {
            string unit = $"seed-{seed}";
            if (journal is not null && journal.TryGet(unit, out BilateralSeedRecord done))
            {
                table.Rows.AddRange(done.Rows);
                if (done.Benchmark is { } b) benchmarks.Add(b);
                status?.Report($"seed {seed}: finished in an earlier run; reusing its {done.Rows.Count} rows");
                continue;
            }
            int rowsBefore = table.Rows.Count;
            Stage2Benchmark? seedBenchmark = null;
            IProgress<TrainingProgress>? Bar(string what) => stageProgress?.Invoke($"seed {seed} · {what}");
            var (trainSplit, validation) = source.SplitValidation(options.ValidationFraction, seed);
            using var _t = trainSplit;
            using var _v = validation;
            var training = options.Training.ForProtocol(main);
            training.Seed = seed;
            training.CheckpointDirectory = journal?.UnitDirectory(unit);
            var protocol = new BilateralProtocol(training, device, loggers);
            var testSource = protocol.EvalSource(test);
            var specs = protocol.HeadSpecs(heads);
            Dictionary<string, double>? referenceMetrics = null;
            void Record(string model, nn.Module<Tensor, Dictionary<string, Tensor>> net, long parameters, IReadOnlyList<HeadSpec>? only = null, bool isReference = false)
            {
                var m = Trainer.Evaluate(net, testSource, only ?? specs);
                var metrics = new Dictionary<string, double> { ["parameters"] = parameters };
                foreach (var h in only ?? specs) metrics[$"{h.Output} accuracy"] = m[$"{h.Output}/accuracy"];
                if (isReference) referenceMetrics = new(metrics);
                else if (referenceMetrics is not null)
                    foreach (var h in only ?? specs)
                        metrics[$"{h.Output} {PairedDiffSuffix}"] = metrics[$"{h.Output} accuracy"] - referenceMetrics[$"{h.Output} accuracy"];
                table.Add(model, "-", seed, metrics);
                status?.Report($"seed {seed}: {model,-44} {string.Join(", ", metrics.Where(kv => kv.Key.EndsWith(" accuracy", StringComparison.Ordinal) && !kv.Key.Contains(PairedDiffSuffix, StringComparison.Ordinal)).Select(kv => $"{kv.Key} {kv.Value * 100:F2}%"))}  [{clock.Elapsed:mm\\:ss}, CPU {ProcessCpuSeconds():F0} s]");
            }

            // Specialised bilateral network: stage 1 per hemisphere, stage 2 heads on frozen hemispheres, optional stage 3;
            // first under the main protocol (the reference of every paired difference), then under the other if asked.
            foreach (var p in protocols)
            {
                var stages = options.Training.ForProtocol(p);
                stages.Seed = seed;
                stages.Stage3.Epochs = 0;
                stages.CheckpointDirectory = journal?.UnitDirectory(unit) is { } dir0 ? (p == main ? dir0 : Path.Combine(dir0, "specialized-" + p.Name())) : null;
                var twoStageProtocol = new BilateralProtocol(stages, device, loggers);
                Seeding.Seed(seed);
                using var net = BuildBilateral(channels, heads, specialized: true, p);
                status?.Report($"seed {seed}: training the specialised bilateral {hemi} network, {p.Name()} protocol ({net.ParameterCount:N0} parameters)");
                var r = twoStageProtocol.TrainSpecialized(net, trainSplit, validation, Bar($"specialized bilateral ({p.Name()})"), cancellationToken);
                if (p != main)
                {
                    Record(SpecializedRow(p, options.Backbone), net, net.ParameterCount);
                    continue;
                }
                var bench = new Stage2Benchmark(r.Stage1EpochSeconds, r.Stage2EpochSeconds, r.CacheSeconds);
                benchmarks.Add(bench);
                seedBenchmark = bench;
                Record($"left {hemi} alone (fine)", r.LeftClassifier, r.LeftClassifier.ParameterCount, [specs[0]]);
                Record($"right {hemi} alone (coarse)", r.RightClassifier, r.RightClassifier.ParameterCount, [specs[1]]);
                Record(reference, net, net.ParameterCount, isReference: true);
                if (options.AnalysisDirectory is { } dir && seed == options.Seeds[0])
                {
                    var analysis = Analysis.BilateralAnalysis.Write(dir, net, r.LeftClassifier, r.RightClassifier, testSource);
                    status?.Report($"seed {seed}: wrote {analysis.GradCamImages.Count} Grad-CAM overlays and the feature-similarity analysis to {dir}");
                    foreach (var g in analysis.Groups)
                        status?.Report($"    {g.Group}: {g.Images} images, {g.Pairs} same-label pairs, mean cosine left {g.Left:F3} right {g.Right:F3} concatenated {g.Concatenated:F3}");
                }
                if (training.Stage3.Epochs > 0)
                {
                    status?.Report($"seed {seed}: stage 3 (extension): fine-tuning everything for {training.Stage3.Epochs} epochs");
                    protocol.FineTune(net, trainSplit, validation, Bar("stage-3 fine-tune"), cancellationToken);
                    Record(reference + " + stage-3 fine-tune", net, net.ParameterCount);
                }
            }

            if (options.BilateralEndToEnd)
            {
                Seeding.Seed(seed);
                using var net = BuildBilateral(channels, heads, specialized: false, main);
                status?.Report($"seed {seed}: training the bilateral {hemi} network end to end");
                protocol.TrainEndToEnd(net, heads, trainSplit, validation, 0, Bar("bilateral end to end"), cancellationToken, "bilateral");
                Record($"bilateral {hemi} (end to end)", net, net.ParameterCount);
            }

            foreach (var (kind, name, on) in new[] { (BackboneKind.ResNet18, "ResNet-18", options.ResNet18), (BackboneKind.ResNet34, "ResNet-34", options.ResNet34) })
            {
                if (!on) continue;
                Seeding.Seed(seed);
                using var net = new UnilateralNetwork(new HemisphereBuilder().Kind(kind).Width(options.Width).InputChannels(channels).Build(), heads, options.Dropout); // default momentum under both protocols (models/resnet.py:84-93 ResNet uses PyTorch's default)
                status?.Report($"seed {seed}: training {name} ({net.ParameterCount:N0} parameters)");
                protocol.TrainEndToEnd(net, heads, trainSplit, validation, 0, Bar(name), cancellationToken, name);
                Record(name, net, net.ParameterCount);
            }

            // Pool of unilateral networks; member 0 is the unilateral baseline.
            var pool = new List<UnilateralNetwork>();
            try
            {
                for (int m = 0; m < options.EnsemblePool; m++)
                {
                    Seeding.Seed(StableSeed.Of(seed, "ensemble-member", m.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    var net = new UnilateralNetwork(BuildHemisphere(channels, null, main), heads, options.Dropout);
                    pool.Add(net);
                    status?.Report($"seed {seed}: training unilateral {hemi} {m + 1}/{options.EnsemblePool}");
                    protocol.TrainEndToEnd(net, heads, trainSplit, validation, 100 + m, Bar($"unilateral {hemi} {m + 1}/{options.EnsemblePool}"), cancellationToken, $"pool-{m}");
                    if (m == 0) Record($"unilateral {hemi}", net, net.ParameterCount);
                }
                // Original: the first k members in training order (run_ensembles.py:15-17 windows a listed order; no
                // ranking). Clean: the top k of the pool by validation accuracy.
                IReadOnlyList<int> ranking = main == TrainingProtocol.Original
                    ? Enumerable.Range(0, pool.Count).ToList()
                    : EnsembleSelection.TopK(pool.Cast<nn.Module<Tensor, Dictionary<string, Tensor>>>().ToList(), protocol.EvalSource(validation), specs, pool.Count);
                foreach (int k in options.EnsembleSizes)
                {
                    var chosen = ranking.Take(k).ToList();
                    var ensemble = new Ensemble(chosen.Select(i => (nn.Module<Tensor, Dictionary<string, Tensor>>)pool[i]), heads.Select(h => h.Name), combine);
                    Record(EnsembleRow(main, k, pool.Count, hemi), ensemble, ensemble.ParameterCount);
                }
            }
            finally
            {
                foreach (var n in pool) n.Dispose();
            }

            // VGG-11 rows beside the ResNet-9 ones (WithVgg11, for the seeds of Vgg11Seeds): the specialised network under
            // the main protocol, its hemispheres alone, and the VGG-11 baselines (bilateral end to end, unilateral), at Vgg11Width.
            if (options.TrainsVgg11Rows(seed))
            {
                const BackboneKind vgg = BackboneKind.Vgg11;
                string vggName = HemisphereName(vgg);
                double vggWidth = options.Vgg11Width ?? options.Width;
                var vggStages = options.Training.ForProtocol(main);
                vggStages.Seed = seed;
                vggStages.Stage3.Epochs = 0;
                vggStages.CheckpointDirectory = journal?.UnitDirectory(unit) is { } dirV ? Path.Combine(dirV, "vgg11") : null;
                var vggProtocol = new BilateralProtocol(vggStages, device, loggers);
                Seeding.Seed(seed);
                using (var net = BuildBilateral(channels, heads, specialized: true, main, vgg, vggWidth))
                {
                    status?.Report($"seed {seed}: training the specialised bilateral {vggName} network (width {vggWidth:G3}), {main.Name()} protocol ({net.ParameterCount:N0} parameters)");
                    var r = vggProtocol.TrainSpecialized(net, trainSplit, validation, Bar($"specialized bilateral {vggName}"), cancellationToken);
                    Record($"left {vggName} alone (fine)", r.LeftClassifier, r.LeftClassifier.ParameterCount, [specs[0]]);
                    Record($"right {vggName} alone (coarse)", r.RightClassifier, r.RightClassifier.ParameterCount, [specs[1]]);
                    Record(SpecializedRow(main, vgg), net, net.ParameterCount);
                }
                if (options.BilateralEndToEnd)
                {
                    Seeding.Seed(seed);
                    using var net = BuildBilateral(channels, heads, specialized: false, main, vgg, vggWidth);
                    status?.Report($"seed {seed}: training the bilateral {vggName} network end to end");
                    vggProtocol.TrainEndToEnd(net, heads, trainSplit, validation, 0, Bar($"bilateral {vggName} end to end"), cancellationToken, "bilateral");
                    Record($"bilateral {vggName} (end to end)", net, net.ParameterCount);
                }
                {
                    Seeding.Seed(seed);
                    using var net = new UnilateralNetwork(BuildHemisphere(channels, null, main, vgg, vggWidth), heads, options.Dropout);
                    status?.Report($"seed {seed}: training unilateral {vggName}");
                    vggProtocol.TrainEndToEnd(net, heads, trainSplit, validation, 100, Bar($"unilateral {vggName}"), cancellationToken, "pool-0");
                    Record($"unilateral {vggName}", net, net.ParameterCount);
                }
            }
            journal?.Save(unit, new BilateralSeedRecord(table.Rows.Skip(rowsBefore).ToList(), seedBenchmark));
        }

        var summary = table.Summarize().Select(s => new BilateralSummaryRow(s.Model,
            (long)s.Metrics["parameters"].Mean,
            s.Metrics.TryGetValue("fine accuracy", out var f) ? f.Mean : double.NaN, f?.Std ?? double.NaN,
            s.Metrics.TryGetValue("coarse accuracy", out var c) ? c.Mean : double.NaN, c?.Std ?? double.NaN,
            s.Seeds.Count)).ToList();
        var comparisons = Compare(table, reference);
        var effective = options.Training.ForProtocol(main);
        string selected = effective.EndToEnd.SelectionMetric ?? "fine/accuracy";
        var notes = new List<string>
        {
            $"preset {options.Preset}, {main.Name()} protocol{(options.CompareProtocols ? $" (specialised network also under the {protocols[1].Name()} protocol)" : "")}, hemispheres {hemi}: width {options.Width}, dropout {options.Dropout}, batch-norm momentum {momentum:G2} in the ResNet-9 hemispheres (PyTorch convention; ResNet-18/34 keep 0.1), {source.Count} training images ({options.ValidationFraction:P0} held out for validation), {test.Count} test images",
            $"stage 1 {effective.Stage1.Epochs} epochs (Adam {effective.Stage1.LearningRate:G3}, wd {effective.Stage1.WeightDecay:G3}), stage 2 {effective.Stage2.Epochs} epochs on {(effective.CacheFeatures ? "cached features (frozen hemispheres in evaluation mode)" : effective.FrozenNormTraining ? "images through the frozen hemispheres with batch norm in training mode" : "images through the frozen hemispheres in evaluation mode")} (wd {effective.Stage2.WeightDecay:G3}), baselines {effective.EndToEnd.Epochs} epochs (wd {effective.EndToEnd.WeightDecay:G3}), batch {effective.Stage1.BatchSize}, augmentation {(ReferenceEquals(effective.Augmentation, Augmentation.None) ? "none" : "crop+flip")}",
            $"every model: weights of the best validation epoch ({selected}; stage 1: its one head's accuracy); ensembles: " +
                (main == TrainingProtocol.Original ? "the first k members of the pool in training order" : "top k of the pool by validation fine accuracy") + ", averaged " + combine.ToString().ToLowerInvariant(),
            $"paired differences: every row minus '{reference}' seed by seed (columns '... {PairedDiffSuffix}' in results.csv); 95 % t CI, sign test, Holm across the rows of each metric (comparisons.csv)",
            $"models trained per seed: {ModelsPerSeed()} (specialised networks count once each; their two stage-1 hemispheres are counted inside)",
            $"stage-2 speed: {string.Join("; ", benchmarks.Select(b => $"{b.Speedup:F1}x ({b.Stage2EpochSeconds:F3}s vs {b.Stage1EpochSeconds:F2}s per epoch, cache {b.CacheSeconds:F2}s once)"))}",
        };
        if (options.WithVgg11)
        {
            var vggSeeds = options.Seeds.Where(options.TrainsVgg11Rows).ToList();
            string seedsText = options.Vgg11Seeds is null ? "every seed"
                : vggSeeds.Count == 0 ? "none of this run's seeds (Vgg11Seeds lists other seeds)"
                : $"seed{(vggSeeds.Count > 1 ? "s" : "")} {string.Join(", ", vggSeeds)} only (Vgg11Seeds; --vgg11-seeds all trains them for every seed){(vggSeeds.Count < options.Seeds.Count ? ", so no paired statistics for them" : "")}";
            notes.Insert(1, $"VGG-11 rows (the original code's VGG-11: no batch norm, fc6/fc7 with dropout kept): width {options.Vgg11Width ?? options.Width:G3}, {main.Name()} protocol, the same epochs and optimiser settings as the ResNet-9 rows, {seedsText}; no VGG-11 ensembles (the backbone option trains the whole table, ensembles included, on VGG-11)");
        }
        return new BilateralExperimentResult(summary, table, benchmarks, notes, clock.Elapsed) { Comparisons = comparisons, Reference = reference };
    }

    /// <summary>
    /// CPU time (user + system, all threads) this process has used since it started, in seconds: the status lines
    /// print it beside the wall clock, so the difference between two lines is what the rows in between cost.
    /// </summary>
    private static double ProcessCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Suffix of the per-seed paired-difference columns: e.g. <c>fine paired diff</c> = row minus the reference, same seed.</summary>
    public const string PairedDiffSuffix = "paired diff";

    /// <summary>Row name of the specialised network under <paramref name="protocol"/> with <paramref name="backbone"/> hemispheres.</summary>
    public static string SpecializedRow(TrainingProtocol protocol, BackboneKind backbone = BackboneKind.ResNet9) =>
        $"bilateral {HemisphereName(backbone)} (specialized, {protocol.Name()} protocol)";

    /// <summary>Display name of a hemisphere architecture in row names (ResNet-9, VGG-11).</summary>
    public static string HemisphereName(BackboneKind backbone) => backbone == BackboneKind.Vgg11 ? "VGG-11" : "ResNet-9";

    private static string EnsembleRow(TrainingProtocol protocol, int k, int n, string hemi) => protocol == TrainingProtocol.Original
        ? $"ensemble first {k} of {n} {hemi} (training order)"
        : $"ensemble top-{k} of {n} {hemi} (validation)";

    private string ModelsPerSeed()
    {
        int models = (options.CompareProtocols ? 2 : 1) + (options.Training.Stage3.Epochs > 0 ? 1 : 0) + (options.BilateralEndToEnd ? 1 : 0)
            + (options.ResNet18 ? 1 : 0) + (options.ResNet34 ? 1 : 0) + options.EnsemblePool;
        int vgg = 2 + (options.BilateralEndToEnd ? 1 : 0);
        var vggSeeds = options.Seeds.Where(options.TrainsVgg11Rows).ToList();
        if (vggSeeds.Count == 0) return models.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (vggSeeds.Count == options.Seeds.Count) return (models + vgg).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{models} (+{vgg} VGG-11 models for seed{(vggSeeds.Count > 1 ? "s" : "")} {string.Join(", ", vggSeeds)})";
    }

    /// <summary>Paired comparisons by seed of every row against <paramref name="reference"/>, per accuracy metric, Holm across each metric's rows.</summary>
    public static IReadOnlyList<BilateralComparison> Compare(ResultTable table, string reference)
    {
        ArgumentNullException.ThrowIfNull(table);
        var result = new List<BilateralComparison>();
        foreach (var metric in new[] { "fine accuracy", "coarse accuracy" })
        {
            var rows = table.Rows.Where(r => r.Metrics.ContainsKey(metric)).GroupBy(r => r.Model)
                .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<int, double>)g.GroupBy(r => r.Seed).ToDictionary(s => s.Key, s => s.Last().Metrics[metric]));
            if (!rows.TryGetValue(reference, out var baseline)) continue;
            var seeds = baseline.Keys.ToHashSet();
            var matched = rows.Where(kv => seeds.SetEquals(kv.Value.Keys)).ToDictionary(kv => kv.Key, kv => kv.Value);
            if (matched.Count < 2) continue;
            result.AddRange(Statistics.CompareAll(matched, reference).Select(c => new BilateralComparison(metric, c)));
        }
        return result;
    }

    private Hemisphere BuildHemisphere(int channels, LabelLevel? level, TrainingProtocol protocol) =>
        BuildHemisphere(channels, level, protocol, options.Backbone, options.Width);

    private static Hemisphere BuildHemisphere(int channels, LabelLevel? level, TrainingProtocol protocol, BackboneKind backbone, double width)
    {
        Hemisphere h;
        if (backbone == BackboneKind.Vgg11) h = Hemisphere.From(new OriginalVgg11(channels, width), level);
        else
        {
            var b = Hemisphere.ResNet9().Width(width).InputChannels(channels);
            if (level is { } l) b.Specialize(l);
            h = b.Build();
        }
        return h.BatchNormMomentum(protocol.BatchNormMomentum());
    }

    private BilateralNetwork BuildBilateral(int channels, IReadOnlyList<HeadDefinition> heads, bool specialized, TrainingProtocol protocol) =>
        BuildBilateral(channels, heads, specialized, protocol, options.Backbone, options.Width);

    private BilateralNetwork BuildBilateral(int channels, IReadOnlyList<HeadDefinition> heads, bool specialized, TrainingProtocol protocol,
        BackboneKind backbone, double width)
    {
        var left = BuildHemisphere(channels, specialized ? LabelLevel.Fine : null, protocol, backbone, width);
        var right = BuildHemisphere(channels, specialized ? LabelLevel.Coarse : null, protocol, backbone, width);
        var net = BilateralNetwork.Create()
            .Left(left)
            .Right(right)
            .Heads(heads.ToArray()).Dropout(options.Dropout).Gated(options.Gated).Build();
        net.to(device);
        return net;
    }
}

/// <summary>One paired comparison of the bilateral table: a metric (e.g. <c>fine accuracy</c>) and the row minus the reference, by seed.</summary>
/// <param name="Metric">The metric compared.</param>
/// <param name="Comparison">Mean difference, 95 % CIs, sign test, t test and Holm-adjusted p across the metric's rows.</param>
public sealed record BilateralComparison(string Metric, PairedComparison Comparison);
