// Resource costs in breadth, depth and time: a lattice recurrent conv net trained under pressures on occluded digits.
// dotnet run -c Release --project samples/Resources [-- --preset quick|full --dataset digits|fashion --out DIR
//     --only tradeoff,growth,occlusion --grid "b,d,t;b,d,t" --occlusion-pressure b,d,t --rt reaction_times.csv --threads N --data-dir DIR
//     --seeds N | --seeds 1,2,3]   (quick default: 3 seeds; full: 5; every CSV carries a seed column or a _seedS suffix)
using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Reporting;
using Microsoft.Extensions.Logging;
using TorchSharp;

var options = Arg("--preset") == "full" ? ResourceExperimentOptions.Full() : ResourceExperimentOptions.Quick();
options.ReactionTimes = Arg("--rt");
if (Arg("--seeds") is { } seedText)
    options.Seeds = seedText.Contains(',') ? seedText.Split(',').Select(int.Parse).ToList()
        : int.TryParse(seedText, out int n) && n > 0 ? Enumerable.Range(1, n).ToList()
        : throw new ArgumentException($"--seeds: expected a count (e.g. 3) or a list (e.g. 1,2,3); got '{seedText}'.");
if (Arg("--grid") is { } grid) options.Grid = grid.Split(';').Select(ParsePressure).ToList(); // "b,d,t;b,d,t;..."
if (Arg("--occlusion-pressure") is { } op) options.OcclusionPressure = ParsePressure(op);
string outDir = Arg("--out") ?? Path.Combine("artifacts", "resources");
var only = (Arg("--only") ?? "tradeoff,growth,occlusion").Split(',');
if (Arg("--threads") is { } threads) torch.set_num_threads(int.Parse(threads));
Directory.CreateDirectory(outDir);
using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
var clock = Stopwatch.StartNew();

var (train, test) = Arg("--dataset") == "fashion"
    ? Datasets.FashionMnist(Arg("--data-dir") ?? DataLocator.EmbeddedKeyword, logging.CreateLogger("data"))
    : Datasets.MnistDigits(Arg("--data-dir"), logging.CreateLogger("data"));
var experiments = new ResourceExperiments(options, new ExperimentContext(train, test) { LoggerFactory = logging });
var l = options.Lattice;
Console.WriteLine($"{train.Name}: lattice window {l.MaxLayers} layers x {l.MaxChannels} channels x {l.MaxSteps} steps ({l.Connections}, {l.Time}), " +
    $"{options.Training.Epochs} epochs on {options.TrainCount} images, occluder {options.Occluder} up to {options.MaxTrainOcclusion:P0}, seeds {string.Join(",", options.Seeds)}");

// Example images at every occlusion level (rows), written as one PNG.
using (var sample = test.Subset(Enumerable.Range(0, 8).Select(i => i * test.Count / 8 + i * 7).ToArray()))
{
    var rows = options.OcclusionLevels.Select(f =>
    {
        using var occ = Occlusion.Apply(sample, options.Occluder, f, options.Seed + 7);
        return torch.cat(Enumerable.Range(0, 8).Select(i => occ.Images[i, 0]).ToList(), 1);
    }).ToList();
    PngWriter.Write(Path.Combine(outDir, "occlusion_examples.png"), torch.cat(rows, 0));
}

if (only.Contains("tradeoff"))
{
    foreach (var (seed, rows) in ResourceSeedSweep.ForEachSeed(experiments, x => x.TradeOff(train, test)))
    {
    ResourceCsv.Write(Path.Combine(outDir, $"tradeoff_seed{seed}.csv"), rows);
    Console.WriteLine($"\nTrade-off (seed {seed}): pressures (breadth, depth, time) -> test accuracy and effective size");
    Console.WriteLine($"{"b",7} {"d",7} {"t",7} | {"acc",6} {"adapt",6} | {"chan",4} {"lay",3} {"E[steps]",8} {"adapt",5} | per layer");
    foreach (var r in rows)
        Console.WriteLine($"{r.BreadthPressure,7:G3} {r.DepthPressure,7:G3} {r.TimePressure,7:G3} | {r.Accuracy,6:P1} {r.AdaptiveAccuracy,6:P1} | {r.Breadth,4} {r.Depth,3} {r.ExpectedSteps,8:F2} {r.AdaptiveSteps,5:F2} | {r.ChannelsPerLayer}");
    }
}

if (only.Contains("growth"))
{
    foreach (var (seed, rows) in ResourceSeedSweep.ForEachSeed(experiments, x => x.Growth(train, test)))
    {
        ResourceCsv.Write(Path.Combine(outDir, $"growth_seed{seed}.csv"), rows);
        Console.WriteLine($"\nGrowth with task complexity (seed {seed}, pressure {options.Moderate})");
        Console.WriteLine($"{"classes",7} {"clutter",7} | {"acc",6} | {"chan",4} {"lay",3} {"E[steps]",8} | per layer");
        foreach (var r in rows)
            Console.WriteLine($"{r.Classes,7} {r.Clutter,7} | {r.Accuracy,6:P1} | {r.Breadth,4} {r.Depth,3} {r.ExpectedSteps,8:F2} | {r.ChannelsPerLayer}");
    }
}

if (only.Contains("occlusion"))
{
    var sweep = ResourceSeedSweep.OcclusionTime(experiments, train, test);
    ResourceCsv.Write(Path.Combine(outDir, "correlations_across_seeds.csv"), new[]
    {
        new { Measure = "steps vs occluded fraction", Seeds = string.Join(" ", sweep.Seeds), PerSeed = string.Join(" ", sweep.StepsVsOcclusion.PerSeed.Select(r => r.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))), MeanRho = sweep.StepsVsOcclusion.Mean.Mean, CiLow = sweep.StepsVsOcclusion.Mean.Low, CiHigh = sweep.StepsVsOcclusion.Mean.High, sweep.StepsVsOcclusion.TP },
        new { Measure = "steps vs difficulty (-margin, clean)", Seeds = string.Join(" ", sweep.Seeds), PerSeed = string.Join(" ", sweep.StepsVsDifficulty.PerSeed.Select(r => r.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))), MeanRho = sweep.StepsVsDifficulty.Mean.Mean, CiLow = sweep.StepsVsDifficulty.Mean.Low, CiHigh = sweep.StepsVsDifficulty.Mean.High, sweep.StepsVsDifficulty.TP },
    });
    Console.WriteLine($"\nAcross seeds {string.Join(",", sweep.Seeds)} (one Spearman per trained network): steps vs occluded fraction {sweep.StepsVsOcclusion}; steps vs difficulty {sweep.StepsVsDifficulty}");
    foreach (var (seed, result) in sweep.Seeds.Zip(sweep.PerSeed))
    {
    ResourceCsv.Write(Path.Combine(outDir, $"occlusion_seed{seed}.csv"), result.Rows);
    ResourceCsv.Write(Path.Combine(outDir, $"speed_seed{seed}.csv"), result.Speed);
    var correlations = new List<(string Name, CorrelationResult R)> { ("steps vs occluded fraction", result.StepsVsOcclusion), ("steps vs difficulty (-margin, clean)", result.StepsVsDifficulty) };
    if (result.StepsVsReactionTime is { } rt) correlations.Add(("steps vs human reaction time", rt));
    ResourceCsv.Write(Path.Combine(outDir, $"correlations_seed{seed}.csv"), correlations.Select(c => new { Measure = c.Name, c.R.Coefficient, c.R.PValue, c.R.N }));
    Console.WriteLine($"\nTime under occlusion (seed {seed}, pressure {options.OcclusionPressure})");
    Console.WriteLine($"{"level",5} {"achieved",8} | {"acc",6} {"adapt",6} | {"E[steps]",8} {"adapt",6}");
    foreach (var r in result.Rows)
        Console.WriteLine($"{r.Level,5:F2} {r.AchievedFraction,8:F3} | {r.Accuracy,6:P1} {r.AdaptiveAccuracy,6:P1} | {r.ExpectedSteps,8:F3} {r.AdaptiveSteps,6:F2}");
    foreach (var (name, r) in correlations)
        Console.WriteLine($"Spearman {name}: rho = {r.Coefficient:F3}, p = {r.PValue:G3}, n = {r.N}");
    Console.WriteLine("\nInference (test set, mixed occlusion), best of repeats");
    foreach (var s in result.Speed)
        Console.WriteLine($"{s.Variant,-20} {s.ImagesPerSecond,8:F0} images/s  x{s.RelativeSpeed:F2}  accuracy {s.Accuracy:P1}  steps {s.MeanSteps:F2}  {s.Parameters:N0} parameters, {s.MacsPerStep:N0} MACs/step");
    }
}

Console.WriteLine($"\nCSV and PNG in {Path.GetFullPath(outDir)}; wall time {clock.Elapsed.TotalSeconds:F0} s, {torch.get_num_threads()} torch threads");

static Pressure ParsePressure(string text)
{
    var v = text.Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    return new Pressure(v[0], v[1], v[2]);
}

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
