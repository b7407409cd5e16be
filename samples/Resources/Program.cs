// Resource costs in breadth, depth and time: a lattice recurrent conv net trained under pressures on occluded digits.
//   dotnet run -c Release --project samples/Resources [-- --preset quick|full --dataset mnist|fashion-mnist --out DIR
//       --only tradeoff,growth,occlusion --grid "b,d,t;b,d,t" --occlusion-pressure b,d,t --rt reaction_times.csv --threads N --data-dir DIR
//       --seeds N | --seed-list 1,2,3]   (quick default: 3 seeds; full: 5; every CSV carries a seed column or a _seedS suffix)
// The options are the `bilateral-neuro resources` command's own definitions (ResourcesCommandOptions), plus the
// sample-only knobs above; `--help` lists them all.
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Cli;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Reporting;
using Microsoft.Extensions.Logging;
using TorchSharp;

var defs = new ResourcesCommandOptions();
var seedList = new Option<string?>("--seed-list") { Description = "Comma-separated seeds to run (e.g. 1,2,3) instead of --seeds N (= 1..N)." };
var gridOption = new Option<string?>("--grid") { Description = "Pressure grid of the trade-off sweep, \"b,d,t;b,d,t;...\" (breadth, depth, time); default: the preset's." };
var occlusionPressure = new Option<string?>("--occlusion-pressure") { Description = "Pressure b,d,t of the occlusion experiment; default: the preset's." };
var rtOption = new Option<string?>("--rt") { Description = "CSV of human reaction times to correlate with the network's steps." };
var onlyOption = new Option<string>("--only") { Description = "Comma-separated parts to run: tradeoff, growth, occlusion.", DefaultValueFactory = _ => "tradeoff,growth,occlusion" };
var root = new RootCommand("""
    Resource costs in breadth, depth and time (arXiv 2605.25174): trade-off sweep, growth with task complexity, time
    under occlusion, every seed. Default: quick preset (3 seeds), embedded MNIST digits, all three parts, CSV and PNG
    in artifacts/resources.
    """);
defs.AddTo(root);
// Sample semantics of shared options: default output folder artifacts/resources.
defs.Shared.Out.DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "resources"));
defs.Shared.Out.Description = "Write the CSV and PNG files here (default artifacts/resources).";
defs.Shared.Dataset.Description = "mnist (default: the embedded digits) or fashion-mnist.";
foreach (var o in new Option[] { seedList, gridOption, occlusionPressure, rtOption, onlyOption }) root.Options.Add(o);
var parse = root.Parse(args);
if (parse.Action is HelpAction) return parse.Invoke();
var problems = SampleErrors.Problems(parse, "resources", defs.Shared.Json, defs.Shared.KeepCheckpoints, defs.Shared.TensorBoard, defs.Shared.Shard, defs.Shared.Device, defs.Shared.DryRun);
if (parse.GetResult(seedList) is { Implicit: false } && parse.GetResult(defs.Shared.Seeds) is { Implicit: false }) problems.Add("--seeds and --seed-list exclude each other");
if (problems.Count > 0) return Fail(string.Join("; ", problems));

try
{
    var options = defs.Bind(parse);
    options.ReactionTimes = parse.GetValue(rtOption);
    if (parse.GetValue(seedList) is { } list)
        options.Seeds = list.Split(',').Select(v => int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var seed) ? seed
            : throw new ArgumentException($"--seed-list: '{v}' is not a whole number; expected e.g. 1,2,3.")).ToList();
    if (parse.GetValue(gridOption) is { } grid) options.Grid = grid.Split(';').Select(p => ParsePressure(p, "--grid")).ToList();
    if (parse.GetValue(occlusionPressure) is { } op) options.OcclusionPressure = ParsePressure(op, "--occlusion-pressure");
    string outDir = parse.GetValue(defs.Shared.Out)!.FullName;
    var only = parse.GetValue(onlyOption)!.Split(',');
    if (only.FirstOrDefault(p => p is not ("tradeoff" or "growth" or "occlusion")) is { } badPart)
        throw new ArgumentException($"--only: '{badPart}' is not a part; expected a comma-separated list of tradeoff, growth, occlusion.");
    string dataset = parse.GetValue(defs.Shared.Dataset)!;
    if (dataset is not ("default" or "mnist" or "fashion-mnist")) throw new ArgumentException($"--dataset: '{dataset}' is not one this sample uses; expected mnist or fashion-mnist.");
    string? dataDir = parse.GetValue(defs.Shared.DataDir);
    var validation = new ResourceExperimentOptionsValidator().Validate(null, options);
    if (validation.Failed) throw new ArgumentException(validation.FailureMessage);

    if (parse.GetValue(defs.Shared.Threads) is { } threads) torch.set_num_threads(threads);
    Directory.CreateDirectory(outDir);
    using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
    var clock = Stopwatch.StartNew();

    var (train, test) = dataset == "fashion-mnist"
        ? Datasets.FashionMnist(dataDir ?? DataLocator.EmbeddedKeyword, logging.CreateLogger("data"))
        : Datasets.MnistDigits(dataDir, logging.CreateLogger("data"));
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
    return 0;
}
catch (Exception ex) when (SampleErrors.IsReported(ex))
{
    return SampleErrors.Report("Resources", ex);
}

static int Fail(string message) => SampleErrors.Fail("Resources", message);

static Pressure ParsePressure(string text, string option)
{
    var v = text.Split(',').Select(x => double.TryParse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : double.NaN).ToArray();
    if (v.Length != 3 || v.Any(double.IsNaN)) throw new ArgumentException($"{option}: '{text}' is not a pressure; expected three numbers b,d,t (breadth, depth, time).");
    return new Pressure(v[0], v[1], v[2]);
}
