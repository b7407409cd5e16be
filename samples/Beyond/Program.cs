// Beyond the bilateral paper: asymmetric, callosally linked, recurrent/resource-shaped and self-supervised
// hemispheres, as an ablation table (test accuracy mean ± std over seeds, parameters, training time).
//   dotnet run -c Release --project samples/Beyond                                   (all default variants)
//   dotnet run -c Release --project samples/Beyond -- --variants paper,asymmetric+callosal --seeds 0,1 --out DIR
using System.Diagnostics;
using BilateralNeuro.Beyond;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Reporting;

try
{
    var opts = ParseArgs(args);
    if (opts.ContainsKey("help")) { Console.WriteLine(Usage); return 0; }
    TorchRuntime.EnsureLoaded();
    var device = DeviceSelector.Parse(opts.GetValueOrDefault("device", "auto"));
    var options = new BeyondExperimentOptions();
    if (opts.TryGetValue("variants", out var v)) options.Variants = v.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
    if (opts.TryGetValue("seeds", out var s))
        options.Seeds = s.Contains(',') ? s.Split(',').Select(int.Parse).ToList() : Enumerable.Range(0, int.Parse(s)).ToList();
    if (opts.TryGetValue("seed", out var one)) options.Seeds = [int.Parse(one)];
    if (opts.TryGetValue("recalibration", out var rc)) options.Training.RecalibrationBatches = int.Parse(rc);
    if (opts.TryGetValue("epochs", out var e)) options.Training.Bilateral.Stage1.Epochs = int.Parse(e);
    if (opts.TryGetValue("train-limit", out var tl)) options.TrainLimit = tl == "all" ? null : int.Parse(tl);
    if (opts.TryGetValue("test-limit", out var tsl)) options.TestLimit = tsl == "all" ? null : int.Parse(tsl);
    if (opts.TryGetValue("phase-coupling", out var pc)) options.PhaseCoupling = double.Parse(pc, System.Globalization.CultureInfo.InvariantCulture);
    if (opts.TryGetValue("link-mode", out var lm)) options.LinkMode = Enum.Parse<CallosalMode>(lm, ignoreCase: true);
    var (train, test) = Datasets.FashionMnist(opts.GetValueOrDefault("data-dir") ?? DataLocator.EmbeddedKeyword);

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

    if (opts.TryGetValue("out", out var outDir))
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
catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or IOException
    or Microsoft.Extensions.Options.OptionsValidationException or OperationCanceledException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(Usage);
    return ex is OperationCanceledException ? 130 : 2;
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}'.");
        string key = args[i][2..];
        d[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "true";
    }
    return d;
}

partial class Program
{
    const string Usage = """
        usage: Beyond [--variants paper,asymmetric,callosal,lattice,selfsup,contrastive,sync,coupled,frozenphase,asymmetric+callosal,...] [--seeds N | --seeds 0,1 | --seed K]
                      [--epochs N] [--recalibration BATCHES] [--train-limit N|all] [--test-limit N|all] [--link-mode add|concatproject|gated|attention]
                      [--phase-coupling KAPPA (coupled; default 100)]
          lattice modifiers: lattice+budget (learned split of one shared budget), lattice+fixedsplit (its control),
          lattice+equalpressure, lattice+swapped, lattice+t1 (one step); labelfree (both hemispheres self-supervised, with
          a ridge probe of each hemisphere's features per label level)
                      [--data-dir DIR] [--device auto|cpu|cuda[:n]] [--out DIR]
          default: embedded Fashion-MNIST hierarchy (10 fine / 4 coarse), bilateral quick scale (width 0.125, 3 epochs,
          60 cached head epochs, 2 seeds, 2500 training / 1000 test images), variants paper, asymmetric, callosal, lattice, selfsup
        """;
}
