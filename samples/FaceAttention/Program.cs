// Face attention (Ying, Li, Chen, arXiv 2310.13674): AlexNet, FE-AlexNet (SE gate before fc6), the ungated control
// and VGG11/13/16 at one width, pre-trained on procedural objects or face identities (or left at random init),
// probed layer by layer for valence, transferred to valence like the SE-AlexNet lab, and read out on the averaged
// face's 21-step morph with the lab's psychometric fit; CIs over seeds. The CLI's `face-attention` command runs the
// same experiment with run records and charts.
// Usage: dotnet run -c Release --project samples/FaceAttention -- [--preset quick|full] [--out DIR] [--seeds N] [--epochs N] [--threads N]
// The options are the `bilateral-neuro face-attention` command's own definitions (FaceAttentionCommandOptions); `--help` lists them.
using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Cli;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using TorchSharp;

var defs = new FaceAttentionCommandOptions();
var root = new RootCommand("""
    Face attention (arXiv 2310.13674): pre-training, valence probes, transfer and lab psychometrics, CIs over seeds.
    Default: FaceAttentionExperimentOptions.Default() (the quick preset) on procedural objects and faces; writes
    faces.png, curves.csv, face-attention.md, results.csv and the charts to face-attention-output.
    """);
defs.AddTo(root);
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
    if (parse.GetValue(defs.Shared.Threads) is { } threads) torch.set_num_threads(threads);
    Directory.CreateDirectory(outDir);

    var experiment = new FaceAttentionExperiment(options);
    SaveExampleFaces(experiment.Generator, Path.Combine(outDir, "faces.png"));
    var clock = Stopwatch.StartNew();
    var report = experiment.Run(new ExperimentContext(new ExperimentData())
    {
        Status = new Progress<string>(line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}")),
    });

    Console.WriteLine();
    Console.WriteLine(report.ToMarkdown());
    File.WriteAllText(Path.Combine(outDir, "curves.csv"), report.CurvesCsv());
    File.WriteAllText(Path.Combine(outDir, "face-attention.md"), report.ToMarkdown());
    File.WriteAllText(Path.Combine(outDir, "results.csv"), report.Table.ToCsv());
    var charts = FaceAttentionCharts.Write(report, outDir);
    Console.WriteLine($"Total {report.Elapsed.TotalSeconds:F0}s. Wrote faces.png, curves.csv, face-attention.md, results.csv and {string.Join(", ", charts)} to {Path.GetFullPath(outDir)}.");
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
