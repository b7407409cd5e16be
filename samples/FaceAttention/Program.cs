// Face attention (Ying, Li, Chen, arXiv 2310.13674): AlexNet, FE-AlexNet (SE gate before fc6), the ungated control
// and VGG11/13/16 at one width, pre-trained on procedural objects or face identities (or left at random init),
// probed layer by layer for valence, transferred to valence like the SE-AlexNet lab, and read out on the averaged
// face's 21-step morph with the lab's psychometric fit; CIs over seeds. The CLI's `face-attention` command runs the
// same experiment with run records and charts.
// Usage: dotnet run -c Release --project samples/FaceAttention -- [--preset quick|full] [--out DIR] [--seeds N] [--epochs N] [--threads N] [--workers N]
// The options are the `bilateral-neuro face-attention` command's own definitions (FaceAttentionCommandOptions); `--help` lists them.
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Cli;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using TorchSharp;

// Keep freed C heap memory for reuse (this process and the workers, which run this program): the training loops
// allocate and free the same tensor sizes every step, and without it the kernel maps and zeroes fresh pages each time
// (docs/face-attention.md, "CPU": system time and page faults per unit before/after, results identical).
BilateralNeuro.Core.Native.NativeAllocator.RetainFreedMemory();
// A worker process of a parallel run (--workers) serves its units and exits here.
if (FaceAttentionWorkers.ServeIfWorker() is { } workerExit) return workerExit;

var defs = new FaceAttentionCommandOptions();
var root = new RootCommand("""
    Face attention (arXiv 2310.13674): pre-training, valence probes, transfer and lab psychometrics, CIs over seeds.
    Default: FaceAttentionExperimentOptions.Default() (the quick preset) on procedural objects and faces; writes
    faces.png, curves.csv, face-attention.md, results.csv and the charts to face-attention-output.
    """);
defs.AddTo(root);   // the shared options and --workers
// Sample semantics of shared options: default output folder face-attention-output.
defs.Shared.Out.DefaultValueFactory = _ => new DirectoryInfo("face-attention-output");
defs.Shared.Out.Description = "Write faces.png, curves.csv, face-attention.md, results.csv and the charts here (default face-attention-output).";
var parse = root.Parse(args);
if (parse.Action is HelpAction) return parse.Invoke();
var problems = SampleErrors.Problems(parse, "face-attention", defs.Shared.Json, defs.Shared.KeepCheckpoints, defs.Shared.TensorBoard, defs.Shared.Shard, defs.Shared.Dataset, defs.Shared.DataDir, defs.Shared.Device, defs.Shared.DryRun);
if (problems.Count > 0) return Fail(string.Join("; ", problems));

try
{
    var options = defs.Bind(parse);
    var validation = new FaceAttentionExperimentOptionsValidator().Validate(null, options);
    if (validation.Failed) throw new ArgumentException(validation.FailureMessage);
    var outDir = parse.GetValue(defs.Shared.Out)!.FullName;
    Directory.CreateDirectory(outDir);
    var clock = Stopwatch.StartNew();
    int workers = defs.DefaultWorkers(parse, options);   // 1 when PretrainPerSeed is false
    bool parallel = workers > 1;
    // With workers this process loads LibTorch only after they finish (example faces, charts), so it adds little to their peak.
    if (!parallel && parse.GetValue(defs.Shared.Threads) is { } threads) torch.set_num_threads(threads);
    FaceAttentionReport report;
    if (parallel)
    {
        // Console.WriteLine writes each line whole, so the workers' lines alternate but never mix.
        int threadsPerWorker = parse.GetValue(defs.Shared.Threads) ?? 1;
        Console.WriteLine($"{workers} worker processes, {threadsPerWorker} LibTorch thread(s) each; units handed out longest first (objects, faces, random init).");
        var run = FaceAttentionWorkers.Run(options, workers, line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}"), threadsPerWorker: threadsPerWorker);
        report = run.Report;
        Console.WriteLine($"Peak RSS (VmHWM): this process {run.ParentPeakKb / 1024} MB while the workers ran, workers {string.Join(" + ", run.WorkerPeakKb.Select(k => $"{k / 1024} MB"))}; " +
                          $"sum {(run.ParentPeakKb + run.WorkerPeakKb.Sum()) / 1024} MB (an upper bound of the total resident at any moment).");
    }
    else
    {
        if (!options.PretrainPerSeed && parse.GetValue(defs.Workers) is > 1) Console.WriteLine("PretrainPerSeed is false: one pre-training serves every seed, so the run is sequential.");
        report = new FaceAttentionExperiment(options).Run(new ExperimentContext(new ExperimentData())
        {
            Status = new Progress<string>(line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}")),
        });
    }

    SaveExampleFaces(new FaceAttentionExperiment(options).Generator, Path.Combine(outDir, "faces.png"));
    Console.WriteLine();
    Console.WriteLine(report.ToMarkdown());
    File.WriteAllText(Path.Combine(outDir, "curves.csv"), report.CurvesCsv());
    File.WriteAllText(Path.Combine(outDir, "face-attention.md"), report.ToMarkdown());
    File.WriteAllText(Path.Combine(outDir, "results.csv"), report.Table.ToCsv());
    var charts = FaceAttentionCharts.Write(report, outDir);
    Console.WriteLine($"Total {clock.Elapsed.TotalSeconds:F0}s. Wrote faces.png, curves.csv, face-attention.md, results.csv and {string.Join(", ", charts)} to {Path.GetFullPath(outDir)}.");
    return 0;
}
catch (Exception ex) when (SampleErrors.IsReported(ex))
{
    return SampleErrors.Report("FaceAttention", ex);
}

static int Fail(string message) => SampleErrors.Fail("FaceAttention", message);

// One row per identity: valence 0, 0.25, 0.5, 0.75, 1, then happy faces with eyes, nose and mouth occluded.
static void SaveExampleFaces(FaceGenerator gen, string path)
{
    var ids = gen.SampleIdentities(4, seed: 3);
    var rng = new Random(1);
    var rows = ids.Select(id =>
    {
        var nu = gen.SampleNuisance(rng);
        var faces = new[] { 0.0, 0.25, 0.5, 0.75, 1.0 }.Select(v => gen.Render([id], [v], [nu])[0]);
        var masked = new[] { FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth }.Select(o => gen.Render([id], [1.0], [nu], o)[0]);
        return torch.cat(faces.Concat(masked).ToList(), 2);
    }).ToList();
    PngWriter.Write(path, torch.cat(rows, 1));
}
