// KomplexNet sample: trains every model on composed multi-digit images and prints a model x condition table
// (exact match, mean ± std over seeds), phase coherence/separation and accuracy per timestep, and writes phase maps.
//   dotnet run --project samples/Synchrony                 small default run
//   dotnet run --project samples/Synchrony -- --bench      Kuramoto coupling-path benchmark
// Options: --threads N --seeds N --epochs N --train N --test N --batch N --lr X --steps T --kernel K --models A,B --out DIR --fashion --synthetic
//          --sync-weight X (synchrony-loss weight, default 1) --kernel-first N (N kernel-only epochs on the synchrony loss,
//          then the kernel frozen while the classifier trains; default 0 = end to end) --reference-data --compare-with MODEL
using System.Diagnostics;
using System.Globalization;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Synchrony.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
int IntArg(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

TorchRuntime.EnsureLoaded();
torch.set_num_threads(IntArg("--threads", 2));
Console.WriteLine($"torch threads: {torch.get_num_threads()}, processors: {Environment.ProcessorCount}");

if (args.Contains("--bench"))
{
    var r = SynchronyBenchmark.Run(repeats: IntArg("--repeats", 3));
    Console.WriteLine($"Kuramoto fwd+bwd, T=15, batch 64, 8x32x32, 13x13 kernel; matmul 1024^2: {r.MatmulGflops:F1} GFLOP/s; direct FLOPs/pass {r.DirectFlops / 1e9:F0} G");
    Console.WriteLine("| path | ms / pass | speed-up vs direct | GFLOP/s (direct-equivalent) | peak RSS delta (MB) |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var row in r.Rows)
        Console.WriteLine($"| {row.Name} | {row.MedianMilliseconds:F0} | {row.RatioToDirect:F2}x | {row.EquivalentGflops:F1} | {row.PeakRssDeltaMegabytes:F0} |");
    Console.WriteLine($"max |phase difference| vs direct after 15 steps: {r.MaxAbsDifference:G3} (chaotic dynamics amplify float rounding)");
    return;
}

var clock = Stopwatch.StartNew();
string outDir = Arg("--out", "synchrony-output");
Directory.CreateDirectory(outDir);
// Embedded MNIST digits: training images come from the 8,000 training digits, test images from the 2,000 held out.
// --fashion composes Fashion-MNIST items instead; --synthetic uses generated shapes (no data needed).
var (trainDigits, testDigits) = args.Contains("--synthetic")
    ? (MultiObjectComposer.SyntheticDigits(200, seed: 1, name: "synthetic/train"), MultiObjectComposer.SyntheticDigits(60, seed: 2, name: "synthetic/test"))
    : args.Contains("--fashion") ? Datasets.FashionMnist() : Datasets.MnistDigits();

// Defaults = the library's quick preset (the same as `bilateral-neuro synchrony --preset quick`).
var defaults = new SynchronyExperimentOptions();
var options = new SynchronyExperimentOptions
{
    TrainImages = IntArg("--train", defaults.TrainImages),
    TestImages = IntArg("--test", defaults.TestImages),
    Seeds = IntArg("--seeds", defaults.Seeds),
    Steps = IntArg("--steps", defaults.Steps),
    KernelSize = IntArg("--kernel", defaults.KernelSize),
    Training = new SynchronyTrainingOptions
    {
        Epochs = IntArg("--epochs", defaults.Training.Epochs),
        BatchSize = IntArg("--batch", defaults.Training.BatchSize),
        LearningRate = double.Parse(Arg("--lr", defaults.Training.LearningRate.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        SynchronyWeight = double.Parse(Arg("--sync-weight", defaults.Training.SynchronyWeight.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        KernelFirstEpochs = IntArg("--kernel-first", defaults.Training.KernelFirstEpochs),
    },
    ReferenceData = args.Contains("--reference-data"),
    Models = Arg("--models", string.Join(",", Enum.GetNames<SynchronyModel>())).Split(',').Select(Enum.Parse<SynchronyModel>).ToArray(),
    PhaseMapDirectory = outDir,
};
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(
    args.Contains("--verbose") ? LogLevel.Information : LogLevel.Warning));
var result = new SynchronyExperiment(options).Run(new ExperimentContext(trainDigits, testDigits) { LoggerFactory = loggerFactory });

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
string reference = Arg("--compare-with", nameof(SynchronyModel.RandomPhases));
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
Console.WriteLine($"Phase maps: {string.Join(", ", result.Figures)}; table: {Path.Combine(outDir, "results.csv")}; wall time {clock.Elapsed.TotalSeconds:F0}s");
