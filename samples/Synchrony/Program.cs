// KomplexNet sample: trains every model on composed multi-digit images and prints a model x condition table
// (exact match, mean ± std over seeds), phase coherence/separation and accuracy per timestep, and writes phase maps.
//   dotnet run --project samples/Synchrony                 small default run (SynchronyExperimentOptions' defaults: 4 models, 3 seeds, T 15 / 13x13 on 24x24)
//   dotnet run --project samples/Synchrony -- --bench      Kuramoto coupling-path benchmark
//   ... -- --workers 1                                      the sequential run in one process (default: 2 worker processes on 2+ CPUs)
// The options are the `bilateral-neuro synchrony` command's own definitions (SynchronyCommandOptions), plus a few
// sample-only knobs (--fashion, --synthetic, --compare-with, --verbose, --bench, --repeats); `--help` lists them all.
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using System.Globalization;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony;
using Microsoft.Extensions.Logging;
using TorchSharp;

// A worker process of a parallel run (--workers) serves its (model, seed) units and exits here.
if (SynchronyWorkers.ServeIfWorker() is { } workerExit) return workerExit;

var defs = new SynchronyCommandOptions();
var fashion = new Option<bool>("--fashion") { Description = "Compose Fashion-MNIST items instead of MNIST digits." };
var synthetic = new Option<bool>("--synthetic") { Description = "Compose generated shapes (no data needed)." };
var compareWith = new Option<string>("--compare-with") { Description = "Reference model of the fair table's paired differences (default RandomPhases).", DefaultValueFactory = _ => nameof(SynchronyModel.RandomPhases) };
var verbose = new Option<bool>("--verbose") { Description = "Log information lines (default: warnings only)." };
var bench = new Option<bool>("--bench") { Description = "Run the Kuramoto coupling-path benchmark instead of the experiment." };
var repeats = new Option<int?>("--repeats") { Description = "Repeats of --bench (default 3).", CustomParser = r => SharedOptions.ParseInt(r) };
var root = new RootCommand("""
    KomplexNet (arXiv 2502.21077): every model on composed two-digit images; model x condition exact-match table,
    fair table (paired by seed), coherence/separation and exact match per step; phase maps. Default: SynchronyExperimentOptions'
    defaults (the reference regime, embedded MNIST digits) (four models: Real, KomplexNet, RandomPhases, IdealPhases; --models adds KomplexNetFeedback);
    2 worker processes with 1 LibTorch thread each on 2+ CPUs (--workers 1: one process, --threads 2); writes to synchrony-output.
    --dry-run prints the resolved options and the estimated compute and exits.
    """);
defs.AddTo(root);
// Sample semantics of shared options: output folder synchrony-output, 2 threads, --dry-run prints options and estimate.
defs.Shared.Out.DefaultValueFactory = _ => new DirectoryInfo("synchrony-output");
defs.Shared.Out.Description = "Write results.csv, per-seed.csv, comparisons.csv and the phase maps here (default synchrony-output).";
defs.Shared.Threads.Description = "CPU threads for LibTorch (default 2; with workers: per worker, default 1).";
defs.Shared.DryRun.Description = "Print the resolved experiment options and the estimated compute, and exit without training.";
foreach (var o in new Option[] { fashion, synthetic, compareWith, verbose, bench, repeats }) root.Options.Add(o);
var parse = root.Parse(args);
if (parse.Action is HelpAction) return parse.Invoke();
var problems = SampleErrors.Problems(parse, "synchrony", defs.Shared.Json, defs.Shared.KeepCheckpoints, defs.Shared.TensorBoard, defs.Shared.Shard, defs.Shared.Dataset, defs.Shared.DataDir, defs.Shared.Device);
if (problems.Count > 0) return Fail(string.Join("; ", problems));

try
{
    var options = defs.Bind(parse);
    // The library default (four models, the same optimiser steps each: the 5-minute fair table); --models adds
    // KomplexNetFeedback (about twice KomplexNet's cost).
    string outDir = parse.GetValue(defs.Shared.Out)!.FullName;
    options.PhaseMapDirectory = outDir;
    string reference = parse.GetValue(compareWith)!;
    if (!Enum.TryParse<SynchronyModel>(reference, out _)) throw new ArgumentException($"--compare-with: '{reference}' is not a model; expected one of {string.Join(", ", Enum.GetNames<SynchronyModel>())}.");
    var validation = new SynchronyExperimentOptionsValidator().Validate(null, options);
    if (validation.Failed) throw new ArgumentException(validation.FailureMessage);

    // --workers: the (model, seed) units in worker processes with one LibTorch thread each (--threads sets it); this
    // process loads LibTorch only after they finish (the summary pass), so it adds little to their memory.
    int workers = parse.GetValue(bench) ? 1 : defs.DefaultWorkers(parse, SynchronyWorkers.Units(options).Count);
    int threadsPerWorker = parse.GetValue(defs.Shared.Threads) ?? 1;
    if (parse.GetValue(defs.Shared.DryRun))
    {
        TorchRuntime.EnsureLoaded();
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(options, ExperimentRunner.PlanJson));
        foreach (var line in SynchronyCostEstimate.For(options).Lines()) Console.WriteLine($"  {line}");
        Console.WriteLine(workers > 1
            ? $"  workers: {workers} processes, {threadsPerWorker} LibTorch thread(s) each; units handed out {string.Join(", ", SynchronyWorkers.Units(options).Select(u => u.Model).Distinct())} (Kuramoto models first)"
            : $"  workers: 1 (the sequential run in this process, {parse.GetValue(defs.Shared.Threads) ?? 2} LibTorch thread(s))");
        return 0;
    }
    if (workers == 1)
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(parse.GetValue(defs.Shared.Threads) ?? 2);
        Console.WriteLine($"torch threads: {torch.get_num_threads()}, processors: {Environment.ProcessorCount}");
    }

    if (parse.GetValue(bench))
    {
        var r = SynchronyBenchmark.Run(repeats: parse.GetValue(repeats) ?? 3);
        Console.WriteLine($"Kuramoto fwd+bwd, T=15, batch 64, 8x32x32, 13x13 kernel; matmul 1024^2: {r.MatmulGflops:F1} GFLOP/s; direct FLOPs/pass {r.DirectFlops / 1e9:F0} G");
        Console.WriteLine("| path | ms / pass | speed-up vs direct | GFLOP/s (direct-equivalent) | peak RSS delta (MB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var row in r.Rows)
            Console.WriteLine($"| {row.Name} | {row.MedianMilliseconds:F0} | {row.RatioToDirect:F2}x | {row.EquivalentGflops:F1} | {row.PeakRssDeltaMegabytes:F0} |");
        Console.WriteLine($"max |phase difference| vs direct after 15 steps: {r.MaxAbsDifference:G3} (chaotic dynamics amplify float rounding)");
        return 0;
    }

    var clock = Stopwatch.StartNew();
    Directory.CreateDirectory(outDir);
    // Embedded MNIST digits: training images come from the 8,000 training digits, test images from the 2,000 held out.
    string digits = parse.GetValue(synthetic) ? SynchronyWorkers.Synthetic : parse.GetValue(fashion) ? SynchronyWorkers.FashionMnist : SynchronyWorkers.Mnist;
    using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(
        parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning));
    LabeledImages trainDigits = null!, testDigits = null!;
    SynchronyExperimentResult Summary(ExperimentJournal? journal)
    {
        (trainDigits, testDigits) = SynchronyWorkers.LoadDigits(digits);
        return new SynchronyExperiment(options).Run(new ExperimentContext(trainDigits, testDigits) { LoggerFactory = loggerFactory, Journal = journal });
    }
    SynchronyExperimentResult result;
    if (workers > 1)
    {
        // Console.WriteLine writes each line whole, so the workers' lines alternate but never mix.
        Console.WriteLine($"{workers} worker processes, {threadsPerWorker} LibTorch thread(s) each; units handed out Kuramoto models first.");
        var run = SynchronyWorkers.Run(options, digits, null, workers, journal =>
        {
            TorchRuntime.EnsureLoaded();
            torch.set_num_threads(threadsPerWorker);
            return Summary(journal);
        }, line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}"), threadsPerWorker: threadsPerWorker);
        result = run.Result;
        Console.WriteLine($"Peak RSS (VmHWM): this process {run.ParentPeakKb / 1024} MB while the workers ran, workers {string.Join(" + ", run.WorkerPeakKb.Select(k => $"{k / 1024} MB"))}; " +
                          $"sum {(run.ParentPeakKb + run.WorkerPeakKb.Sum()) / 1024} MB (an upper bound of the total resident at any moment).");
    }
    else result = Summary(null);

    var conditions = SynchronyExperiment.Conditions(options);
    Console.WriteLine($"\nExact match (mean ± std over {options.Seeds} seeds); train {options.TrainImages} 2-object images, {options.Training.Epochs} epochs, T={options.Steps}, k={options.KernelSize}");
    Console.WriteLine("| model | params | " + string.Join(" | ", conditions) + " |");
    Console.WriteLine("|---|---:|" + string.Concat(conditions.Select(_ => "---:|")));
    foreach (var model in result.Rows.Select(r => r.Model).Distinct())
    {
        var cells = conditions.Select(c => result.Rows.Single(r => r.Model == model && r.Condition == c)).Select(r => $"{r.ExactMatch:F3} ± {r.ExactMatchStd:F3}");
        Console.WriteLine($"| {model} | {result.ParameterCounts[model]:N0} | " + string.Join(" | ", cells) + " |");
    }
    // Fair table: optimiser steps per model, mean exact match with its 95 % t interval over seeds, and every model paired
    // by seed against one reference model (default RandomPhases), Holm-adjusted over the compared models.
    Console.WriteLine($"\nFair table, condition '{conditions[0]}': exact match mean [95 % CI] over seeds; paired difference vs {reference} (t CI, Holm over rows)");
    Console.WriteLine("| model | optimiser steps | seeds | exact match [95 % CI] | difference vs " + reference + " |");
    Console.WriteLine("|---|---:|---:|---|---|");
    var clean = result.Rows.Where(r => r.Condition == conditions[0]).ToList();
    var byModel = clean.Where(r => r.ExactMatchBySeed is not null).ToDictionary(r => r.Model, r => r.ExactMatchBySeed!);
    var comparisons = options.Seeds > 1 && byModel.ContainsKey(reference)
        ? BilateralNeuro.Analysis.Statistics.CompareAll(byModel, reference).ToDictionary(c => c.Name)
        : new Dictionary<string, BilateralNeuro.Analysis.PairedComparison>();
    foreach (var r in clean)
    {
        string ci = r.ExactMatchCi is { } m ? m.ToString() : $"{r.ExactMatch:F3} (1 seed: no CI)";
        string diff = comparisons.TryGetValue($"{r.Model} - {reference}", out var c) ? c.ToString() : r.Model == reference ? "reference" : "not measured";
        Console.WriteLine($"| {r.Model} | {r.OptimizerSteps:N0} | {r.Seeds} | {ci} | {diff} |");
    }
    var seedCsv = new List<string> { "model,condition,seed,exact_match,optimizer_steps" };
    seedCsv.AddRange(result.Rows.Where(r => r.ExactMatchBySeed is not null).SelectMany(r => r.ExactMatchBySeed!.Select(kv =>
        string.Join(",", r.Model, r.Condition, kv.Key.ToString(CultureInfo.InvariantCulture), kv.Value.ToString("G5", CultureInfo.InvariantCulture), r.OptimizerSteps.ToString(CultureInfo.InvariantCulture)))));
    File.WriteAllLines(Path.Combine(outDir, "per-seed.csv"), seedCsv);
    if (comparisons.Count > 0)
        File.WriteAllLines(Path.Combine(outDir, "comparisons.csv"), new[] { "comparison," + string.Join(",", BilateralNeuro.Analysis.PairedComparison.CsvHeader) }
            .Concat(comparisons.Values.Select(c => c.Name + "," + string.Join(",", c.CsvValues()))));

    Console.WriteLine($"\nCondition '{conditions[0]}': per-label accuracy, F1, phase coherence (within objects), separation (between objects), exact match per timestep");
    Console.WriteLine("| model | label acc | F1 | coherence | separation | exact match per step |");
    Console.WriteLine("|---|---:|---:|---:|---:|---|");
    foreach (var r in result.Rows.Where(r => r.Condition == conditions[0]))
        Console.WriteLine($"| {r.Model} | {r.LabelAccuracy:F3} | {r.F1:F3} | {r.Coherence:F3} | {r.Separation:F3} | {string.Join(" ", r.ExactMatchPerStep.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} |");

    var csv = new List<string> { "model,condition,seeds,exact_match,exact_match_std,label_accuracy,f1,coherence,separation" };
    csv.AddRange(result.Rows.Select(r => string.Join(",", r.Model, r.Condition, r.Seeds,
        string.Join(",", new[] { r.ExactMatch, r.ExactMatchStd, r.LabelAccuracy, r.F1, r.Coherence, r.Separation }.Select(v => v.ToString("G5", CultureInfo.InvariantCulture))))));
    File.WriteAllLines(Path.Combine(outDir, "results.csv"), csv);
    Console.WriteLine($"\nTraining seconds per model (all seeds): {string.Join(", ", result.TrainSeconds.Select(kv => $"{kv.Key} {kv.Value:F0}"))}");
    trainDigits.Dispose();
    testDigits.Dispose();
    Console.WriteLine($"Phase maps: {string.Join(", ", result.Figures.Select(f => Charts.PhaseMap(f, options.Steps)))}; table: {Path.Combine(outDir, "results.csv")}; wall time {clock.Elapsed.TotalSeconds:F0}s");
    return 0;
}
catch (Exception ex) when (SampleErrors.IsReported(ex))
{
    return SampleErrors.Report("Synchrony", ex);
}

static int Fail(string message) => SampleErrors.Fail("Synchrony", message);
