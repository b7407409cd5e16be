// Beyond the bilateral paper: asymmetric, callosally linked, recurrent/resource-shaped and self-supervised
// hemispheres, as an ablation table (test accuracy mean ± std over seeds, parameters, training time).
//   dotnet run -c Release --project samples/Beyond                                   (all default variants)
//   dotnet run -c Release --project samples/Beyond -- --variants paper,asymmetric+callosal --seed-list 0,1 --out DIR
// The options are the `bilateral-neuro beyond` command's own definitions (BeyondCommandOptions), plus a few
// sample-only knobs; `--help` lists them all.
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using BilateralNeuro.Beyond;
using BilateralNeuro.Cli;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Reporting;

var defs = new BeyondCommandOptions();
var seedList = new Option<string?>("--seed-list") { Description = "Comma-separated seeds to run (e.g. 0,1 or 3) instead of --seeds N (= 0..N-1)." };
var recalibration = new Option<int?>("--recalibration") { Description = "Batch-norm recalibration batches; default: the library's.", CustomParser = r => SharedOptions.ParseInt(r) };
var testLimit = new Option<string?>("--test-limit") { Description = "Use only the first N test images, or 'all'; default: the preset's (quick: 1,000)." };
var phaseCoupling = new Option<double?>("--phase-coupling") { Description = "Phase coupling κ of the coupled variant (default 100).", CustomParser = r => SharedOptions.ParseDouble(r) };
var linkMode = new Option<string?>("--link-mode") { Description = "Callosal link: add, concatproject, gated or attention; default: the library's." };
var probe = new Option<bool>("--probe") { Description = "Also fit a ridge probe from each hemisphere's frozen features to each label level (training split -> test set) for every row (always done for labelfree); adds left/right probe fine/coarse to the results. Does not change training or the accuracies." };
var root = new RootCommand("""
    Beyond the bilateral paper: asymmetric, callosally linked, recurrent/resource-shaped and self-supervised hemispheres,
    as an ablation table (test accuracy mean ± std over seeds, parameters, training time). Lattice modifiers:
    lattice+budget, lattice+fixedsplit, lattice+equalpressure, lattice+swapped, lattice+t1, lattice+ff; labelfree (both hemispheres
    self-supervised, with a ridge probe per label level). Default: embedded Fashion-MNIST hierarchy, bilateral quick scale
    (width 0.125, 3 epochs, 60 cached head epochs, 2 seeds, 2500 training / 1000 test images), variants paper, asymmetric,
    callosal, lattice, selfsup. Without --out nothing is written. --dry-run prints the resolved options and exits.
    """);
defs.AddTo(root);
// Sample semantics of shared options: without --out nothing is written; --dry-run prints the resolved options.
defs.Shared.Out.DefaultValueFactory = null;
defs.Shared.Out.Description = "Write results.json, results.csv and report.md here; default: write nothing.";
defs.Shared.DryRun.Description = "Print the resolved experiment options and exit without training.";
foreach (var o in new Option[] { seedList, recalibration, testLimit, phaseCoupling, linkMode, probe }) root.Options.Add(o);
var parse = root.Parse(args);
if (parse.Action is HelpAction) return parse.Invoke();
var problems = SampleErrors.Problems(parse, "beyond", defs.Shared.Json, defs.Shared.KeepCheckpoints, defs.Shared.TensorBoard, defs.Shared.Shard, defs.Shared.Dataset);
if (parse.GetResult(seedList) is { Implicit: false } && parse.GetResult(defs.Shared.Seeds) is { Implicit: false }) problems.Add("--seeds and --seed-list exclude each other");
if (problems.Count > 0) return Fail(string.Join("; ", problems));

try
{
    var options = defs.Bind(parse);
    if (parse.GetValue(seedList) is { } list)
        options.Seeds = list.Split(',').Select(v => int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var seed) ? seed
            : throw new ArgumentException($"--seed-list: '{v}' is not a whole number; expected e.g. 0,1.")).ToList();
    if (parse.GetValue(recalibration) is { } rc) options.Training.RecalibrationBatches = rc;
    if (parse.GetValue(testLimit) is { } tsl)
        options.TestLimit = tsl == "all" ? null
            : int.TryParse(tsl, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--test-limit: '{tsl}' is not a whole number or 'all'.");
    if (parse.GetValue(phaseCoupling) is { } pc) options.PhaseCoupling = pc;
    if (parse.GetValue(probe)) options.ProbeFeatures = true;
    if (parse.GetValue(linkMode) is { } lm)
        options.LinkMode = Enum.TryParse<CallosalMode>(lm, ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode
            : throw new ArgumentException($"--link-mode: '{lm}' is not a link mode; expected add, concatproject, gated or attention.");
    var validation = new BeyondExperimentOptionsValidator().Validate(null, options);
    if (validation.Failed) throw new ArgumentException(validation.FailureMessage);
    if (parse.GetValue(defs.Shared.DryRun))
    {
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(options, ExperimentRunner.PlanJson));
        return 0;
    }
    string? outDir = parse.GetResult(defs.Shared.Out) is { Implicit: false } ? parse.GetValue(defs.Shared.Out)!.FullName : null;
    TorchRuntime.EnsureLoaded();
    if (parse.GetValue(defs.Shared.Threads) is { } threads) TorchRuntime.SetThreads(threads);
    var device = DeviceSelector.Parse(parse.GetValue(defs.Shared.Device)!);
    var (train, test) = Datasets.FashionMnist(parse.GetValue(defs.Shared.DataDir) ?? DataLocator.EmbeddedKeyword);

    Console.WriteLine($"Beyond ablation: {train.Name} ({train.Source}), device {device}, variants {string.Join(",", options.Variants)}, seeds {string.Join(",", options.Seeds)}");
    string load = File.Exists("/proc/loadavg") ? $", load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start" : "";
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}{load}");
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, a) => { a.Cancel = true; cancel.Cancel(); Console.WriteLine("Stopping after the current step..."); };
    var started = DateTime.UtcNow;
    var clock = Stopwatch.StartNew();
    var result = new BeyondExperiment(options, device).Run(new ExperimentContext(train, test)
    {
        Status = new Progress<string>(line => Console.WriteLine($"  {line}")), Cancellation = cancel.Token,
    });

    Console.WriteLine();
    Console.WriteLine("Test accuracy, mean ± std over seeds (selection on a validation split of the training set):");
    Console.WriteLine(result.ToText());
    foreach (var note in result.Notes) Console.WriteLine($"- {note}");
    string loadEnd = File.Exists("/proc/loadavg") ? $", load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end" : "";
    Console.WriteLine($"Wall time {clock.Elapsed:hh\\:mm\\:ss} ({Environment.ProcessorCount} cores, shared with other jobs{loadEnd}).");

    if (outDir is not null)
    {
        new RunRecord
        {
            Experiment = "beyond",
            Command = "dotnet run -c Release --project samples/Beyond -- " + string.Join(' ', args),
            Options = new() { ["variants"] = string.Join(",", options.Variants), ["width"] = options.Width.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Seeds = options.Seeds,
            Device = device.ToString(),
            WallSeconds = clock.Elapsed.TotalSeconds,
            StartedUtc = started,
            Rows = result.Table.Rows,
            Notes = result.Notes.ToList(),
        }.Write(outDir);
        Console.WriteLine($"Wrote results.csv, results.json and report.md to {Path.GetFullPath(outDir)}");
    }
    return 0;
}
catch (Exception ex) when (SampleErrors.IsReported(ex))
{
    return SampleErrors.Report("Beyond", ex);
}

static int Fail(string message) => SampleErrors.Fail("Beyond", message);
