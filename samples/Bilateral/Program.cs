// Reproduces "Deep Learning in a Bilateral Brain with Hemispheric Specialization" (arXiv 2209.06862) as one table:
// the specialised bilateral network against every baseline, test accuracy mean ± std over seeds.
//   dotnet run -c Release --project samples/Bilateral                       (embedded Fashion-MNIST, minutes)
//   dotnet run -c Release --project samples/Bilateral -- --dataset cifar100 --data-dir ROOT --preset paper --protocol original
using System.Diagnostics;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;

try
{
    var opts = ParseArgs(args);
    if (opts.ContainsKey("help")) { Console.WriteLine(Usage); return 0; }
    TorchRuntime.EnsureLoaded();
    var device = DeviceSelector.Parse(opts.GetValueOrDefault("device", "auto"));
    string dataset = opts.GetValueOrDefault("dataset", "fashion-mnist").ToLowerInvariant();
    string preset = opts.GetValueOrDefault("preset", "quick").ToLowerInvariant();
    var options = preset switch
    {
        "quick" => BilateralExperimentOptions.Quick(),
        "paper" => BilateralExperimentOptions.Paper(),
        _ => throw new ArgumentException($"--preset: '{preset}' is not a preset; expected quick or paper."),
    };
    if (dataset is not ("fashion-mnist" or "cifar100")) throw new ArgumentException($"--dataset: '{dataset}' is unknown; expected fashion-mnist or cifar100.");
    options.Training.Normalization = dataset == "cifar100" ? Normalization.Cifar100 : Normalization.FashionMnist;
    if (opts.TryGetValue("seeds", out var s))
        options.Seeds = s.Contains(',') ? s.Split(',').Select(int.Parse).ToList() : Enumerable.Range(0, int.Parse(s)).ToList();
    if (opts.TryGetValue("epochs", out var e))
    {
        int epochs = int.Parse(e);
        options.Training.Stage1.Epochs = options.Training.EndToEnd.Epochs = epochs;
        if (options.Preset == "paper") options.Training.Stage2.Epochs = epochs; // quick: stage 2 keeps its cheap cached epochs
    }
    if (opts.TryGetValue("stage2-epochs", out var e2)) options.Training.Stage2.Epochs = int.Parse(e2);
    if (opts.TryGetValue("width", out var w)) options.Width = double.Parse(w, System.Globalization.CultureInfo.InvariantCulture);
    if (opts.TryGetValue("train-limit", out var tl)) options.TrainLimit = tl == "all" ? null : int.Parse(tl);
    if (opts.TryGetValue("test-limit", out var tsl)) options.TestLimit = tsl == "all" ? null : int.Parse(tsl);
    if (opts.TryGetValue("pool", out var pool))
    {
        options.EnsemblePool = int.Parse(pool);
        options.EnsembleSizes = options.EnsembleSizes.Where(k => k <= options.EnsemblePool).ToList();
    }
    if (opts.TryGetValue("out", out var o)) options.AnalysisDirectory = Path.Combine(o, "analysis");
    if (opts.TryGetValue("stage3", out var s3)) options.Training.Stage3.Epochs = int.Parse(s3);
    if (opts.TryGetValue("protocol", out var pr)) options.Protocol = BilateralNeuro.Bilateral.Training.TrainingProtocols.Parse(pr);
    if (opts.TryGetValue("backbone", out var bb)) options.Backbone = BilateralExperimentOptions.ParseBackbone(bb);
    if (opts.TryGetValue("compare-protocols", out var cp)) options.CompareProtocols = bool.Parse(cp);
    if (opts.TryGetValue("with-vgg11", out var wv)) options.WithVgg11 = bool.Parse(wv);
    if (opts.ContainsKey("dry-run") && dataset == "cifar100" && !opts.ContainsKey("data-dir"))
    {
        // CIFAR-100's sizes are known: estimate without the files.
        Console.WriteLine($"Dry run: preset {options.Preset}, protocol {options.Protocol.ToString().ToLowerInvariant()}, backbone {options.Backbone}, {options.Seeds.Count} seeds, CIFAR-100 (50,000 training / 10,000 test images)");
        foreach (var line in BilateralCostEstimate.For(options).Lines()) Console.WriteLine($"  {line}");
        return 0;
    }
    var (train, test) = dataset == "fashion-mnist"
        ? Datasets.FashionMnist(opts.GetValueOrDefault("data-dir") ?? (preset == "quick" ? DataLocator.EmbeddedKeyword : null))
        : Datasets.Cifar100(opts.GetValueOrDefault("data-dir")
            ?? throw new ArgumentException("--dataset cifar100 needs --data-dir ROOT (the folder holding cifar-100-python/ or cifar-100-binary/, that folder itself, or the .tar.gz); --dry-run works without it."));
    var estimate = BilateralCostEstimate.For(options, train, test);
    if (opts.ContainsKey("dry-run"))
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
    var experiment = new BilateralExperiment(options, device);
    var result = experiment.Run(new ExperimentContext(train, test)
    {
        Status = new Progress<string>(line => Console.WriteLine($"  {line}")), Cancellation = cancel.Token,
    });

    Console.WriteLine();
    Console.WriteLine("Test accuracy, mean ± std over seeds (model selection on a validation split of the training set):");
    Console.WriteLine(result.ToText());
    foreach (var note in result.Notes) Console.WriteLine($"- {note}");
    Console.WriteLine($"Wall time {clock.Elapsed:hh\\:mm\\:ss} ({Environment.ProcessorCount} cores; other jobs may have shared them).");

    if (opts.TryGetValue("out", out var outDir))
    {
        var record = new RunRecord
        {
            Experiment = "bilateral",
            Command = "dotnet run -c Release --project samples/Bilateral -- " + string.Join(' ', args),
            Options = new()
            {
                ["dataset"] = dataset, ["preset"] = options.Preset, ["width"] = options.Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["protocol"] = options.Protocol.ToString().ToLowerInvariant(), ["backbone"] = options.Backbone.ToString().ToLowerInvariant(),
                ["compare-protocols"] = options.CompareProtocols.ToString().ToLowerInvariant(), ["with-vgg11"] = options.WithVgg11.ToString().ToLowerInvariant(),
            },
            Seeds = options.Seeds,
            Device = device.ToString(),
            WallSeconds = clock.Elapsed.TotalSeconds,
            StartedUtc = started,
            Rows = result.Table.Rows,
            Notes = [.. result.Notes, estimate.Lines()[^1]],
        };
        record.Write(outDir);
        result.WriteComparisons(outDir);
        Console.WriteLine($"Wrote results.csv, comparisons.csv, results.json and report.md to {Path.GetFullPath(outDir)}");
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
        usage: Bilateral [--dataset fashion-mnist|cifar100] [--data-dir ROOT] [--preset quick|paper] [--device auto|cpu|cuda[:n]]
                         [--protocol clean|original] [--compare-protocols true|false] [--backbone resnet9|vgg11] [--with-vgg11]
                         [--seeds N | --seeds 0,1,2] [--epochs N] [--stage2-epochs N] [--width W] [--train-limit N|all] [--test-limit N|all]
                         [--pool N] [--stage3 EPOCHS] [--out DIR] [--dry-run]
          default: embedded Fashion-MNIST hierarchy (10 fine / 4 coarse classes), quick preset (width 0.125, 3 epochs, 2 seeds,
          2500 training / 1000 test images, ensembles of 2 and 5 from a pool of 5, clean protocol with the specialised network
          also under the original protocol); ROOT holds cifar-100-python/ or cifar-100-binary/ (or is that folder, or holds
          the .tar.gz); --out also writes comparisons.csv, Grad-CAM and similarity files; --dry-run prints the estimated
          compute (GPU/CPU hours at stated throughputs) and exits
        """;
}
