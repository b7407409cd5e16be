// Reproduces "Deep Learning in a Bilateral Brain with Hemispheric Specialization" (arXiv 2209.06862) as one table:
// the specialised bilateral network against every baseline, test accuracy mean ± std over seeds.
//   dotnet run -c Release --project samples/Bilateral                       (embedded Fashion-MNIST, minutes)
//   dotnet run -c Release --project samples/Bilateral -- --dataset cifar100 --data-dir ROOT --preset paper --protocol original
// The options are the `bilateral-neuro bilateral` command's own definitions (BilateralCommandOptions), plus a few
// sample-only knobs; `--help` lists them all.
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Reporting;

var defs = new BilateralCommandOptions();
var stage2Epochs = new Option<int?>("--stage2-epochs") { Description = "Stage-2 epochs (heads on cached features); default: the preset's.", CustomParser = r => SharedOptions.ParseInt(r) };
var stage3 = new Option<int?>("--stage3") { Description = "Epochs of the optional stage 3 (fine-tune everything); default 0 (off).", CustomParser = r => SharedOptions.ParseInt(r) };
var pool = new Option<int?>("--pool") { Description = "Ensemble pool size (ensemble sizes above it are dropped); default: the preset's (quick: 5).", CustomParser = r => SharedOptions.ParseInt(r) };
var trainLimit = new Option<string?>("--train-limit") { Description = "Use only the first N training images, or 'all'; default: the preset's (quick: 2,500)." };
var testLimit = new Option<string?>("--test-limit") { Description = "Use only the first N test images, or 'all'; default: the preset's (quick: 1,000)." };
var compare = new Option<bool?>("--compare-protocols") { Description = "Also train the specialised network under the other protocol (true|false); default: the preset's." };
var root = new RootCommand("""
    The specialised bilateral network against every baseline (arXiv 2209.06862): test accuracy, mean ± std over seeds.
    Default: embedded Fashion-MNIST hierarchy (10 fine / 4 coarse classes), quick preset (width 0.125, 3 epochs, 2 seeds,
    2500 training / 1000 test images, ensembles of 2 and 5 from a pool of 5, clean protocol with the specialised network
    also under the original protocol). Without --out nothing is written; --out also writes comparisons.csv, Grad-CAM
    and similarity files. --dry-run prints the estimated compute and exits.
    """);
defs.AddTo(root);
// Sample semantics of two shared options: without --out nothing is written; --dry-run prints the compute estimate.
defs.Shared.Out.DefaultValueFactory = null;
defs.Shared.Out.Description = "Write results.json, results.csv, report.md, comparisons.csv and the analysis files (Grad-CAM, similarity) here; default: write nothing.";
defs.Shared.DryRun.Description = "Print the estimated compute (FLOPs; GPU/CPU hours at stated throughputs) and exit without training.";
foreach (var o in new Option[] { stage2Epochs, stage3, pool, trainLimit, testLimit, compare }) root.Options.Add(o);
var parse = root.Parse(args);
if (parse.Action is HelpAction) return parse.Invoke();
var problems = SampleErrors.Problems(parse, "bilateral", defs.Shared.Json, defs.Shared.KeepCheckpoints, defs.Shared.TensorBoard);
if (problems.Count > 0) return Fail(string.Join("; ", problems));

try
{
    string dataset = parse.GetValue(defs.Shared.Dataset)!.ToLowerInvariant();
    if (dataset == "default") dataset = "fashion-mnist";
    if (dataset is not ("fashion-mnist" or "cifar100")) throw new ArgumentException($"--dataset: '{dataset}' is unknown; expected fashion-mnist or cifar100.");
    var options = defs.Bind(parse, cifar100: dataset == "cifar100");
    options.Seeds = ExperimentRunner.ShardSeeds(BilateralNeuro.Reporting.Shard.Parse(parse.GetValue(defs.Shared.Shard)), options.Seeds);
    if (parse.GetValue(stage2Epochs) is { } e2) options.Training.Stage2.Epochs = e2;
    if (parse.GetValue(stage3) is { } s3) options.Training.Stage3.Epochs = s3;
    if (parse.GetValue(trainLimit) is { } tl) options.TrainLimit = Limit(tl, "--train-limit");
    if (parse.GetValue(testLimit) is { } tsl) options.TestLimit = Limit(tsl, "--test-limit");
    if (parse.GetValue(pool) is { } p)
    {
        options.EnsemblePool = p;
        options.EnsembleSizes = options.EnsembleSizes.Where(k => k <= options.EnsemblePool).ToList();
    }
    if (parse.GetValue(compare) is { } cp) options.CompareProtocols = cp;
    string? outDir = parse.GetResult(defs.Shared.Out) is { Implicit: false } ? parse.GetValue(defs.Shared.Out)!.FullName : null;
    if (outDir is not null) options.AnalysisDirectory = Path.Combine(outDir, "analysis");
    string? dataDir = parse.GetValue(defs.Shared.DataDir);
    bool dryRun = parse.GetValue(defs.Shared.DryRun);

    TorchRuntime.EnsureLoaded();
    if (parse.GetValue(defs.Shared.Threads) is { } threads) TorchRuntime.SetThreads(threads);
    var device = DeviceSelector.Parse(parse.GetValue(defs.Shared.Device)!);
    if (dryRun && dataset == "cifar100" && dataDir is null)
    {
        // CIFAR-100's sizes are known: estimate without the files.
        Console.WriteLine($"Dry run: preset {options.Preset}, protocol {options.Protocol.ToString().ToLowerInvariant()}, backbone {options.Backbone}, {options.Seeds.Count} seeds, CIFAR-100 (50,000 training / 10,000 test images)");
        foreach (var line in BilateralCostEstimate.For(options).Lines()) Console.WriteLine($"  {line}");
        return 0;
    }
    var (train, test) = dataset == "fashion-mnist"
        ? Datasets.FashionMnist(dataDir ?? (options.Preset == "quick" ? DataLocator.EmbeddedKeyword : null))
        : Datasets.Cifar100(dataDir
            ?? throw new ArgumentException("--dataset cifar100 needs --data-dir ROOT (the folder holding cifar-100-python/ or cifar-100-binary/, that folder itself, or the .tar.gz); --dry-run works without it."));
    var estimate = BilateralCostEstimate.For(options, train, test);
    if (dryRun)
    {
        Console.WriteLine($"Dry run: preset {options.Preset}, protocol {options.Protocol.ToString().ToLowerInvariant()}, backbone {options.Backbone}, {options.Seeds.Count} seeds, {train.Name} ({train.Count} training / {test.Count} test images)");
        foreach (var line in estimate.Lines()) Console.WriteLine($"  {line}");
        return 0;
    }

    Console.WriteLine($"Bilateral comparison: {train.Name} ({train.Source}), preset {options.Preset}, device {device}, seeds {string.Join(",", options.Seeds)}");
    string load = File.Exists("/proc/loadavg") ? $", load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start" : "";
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}{load}");
    foreach (var line in estimate.Lines()) Console.WriteLine($"  {line}");
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, a) => { a.Cancel = true; cancel.Cancel(); Console.WriteLine("Stopping after the current step..."); };
    var started = DateTime.UtcNow;
    var clock = Stopwatch.StartNew();
    var result = new BilateralExperiment(options, device).Run(new ExperimentContext(train, test)
    {
        Status = new Progress<string>(line => Console.WriteLine($"  {line}")), Cancellation = cancel.Token,
    });

    Console.WriteLine();
    Console.WriteLine("Test accuracy, mean ± std over seeds (model selection on a validation split of the training set):");
    Console.WriteLine(result.ToText());
    foreach (var note in result.Notes) Console.WriteLine($"- {note}");
    Console.WriteLine($"Wall time {clock.Elapsed:hh\\:mm\\:ss} ({Environment.ProcessorCount} cores; other jobs may have shared them).");

    if (outDir is not null)
    {
        new RunRecord
        {
            Experiment = "bilateral",
            Command = "dotnet run -c Release --project samples/Bilateral -- " + string.Join(' ', args),
            Options = new()
            {
                ["dataset"] = dataset, ["preset"] = options.Preset, ["width"] = options.Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["protocol"] = options.Protocol.ToString().ToLowerInvariant(), ["backbone"] = options.Backbone.ToString().ToLowerInvariant(),
                ["compare-protocols"] = options.CompareProtocols.ToString().ToLowerInvariant(), ["with-vgg11"] = options.WithVgg11.ToString().ToLowerInvariant(),
                ["vgg11-seeds"] = options.Vgg11Seeds is null ? "all" : string.Join(",", options.Vgg11Seeds),
            },
            Seeds = options.Seeds,
            Device = device.ToString(),
            WallSeconds = clock.Elapsed.TotalSeconds,
            StartedUtc = started,
            Rows = result.Table.Rows,
            Notes = [.. result.Notes, estimate.Lines()[^1]],
        }.Write(outDir);
        result.WriteComparisons(outDir);
        Console.WriteLine($"Wrote results.csv, comparisons.csv, results.json and report.md to {outDir}");
    }
    return 0;
}
catch (Exception ex) when (SampleErrors.IsReported(ex))
{
    return SampleErrors.Report("Bilateral", ex);
}

static int Fail(string message) => SampleErrors.Fail("Bilateral", message);

static int? Limit(string text, string option) =>
    text == "all" ? null
    : int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
    : throw new ArgumentException($"{option}: '{text}' is not a whole number or 'all'.");
