// Face attention (Ying, Li, Chen, arXiv 2310.13674): AlexNet, VGG11/13/16 and FE-AlexNet, pre-trained on objects
// (Fashion-MNIST) or on face identities, transferred to emotion valence; psychometric curves on a 21-level morph
// continuum with eyes, nose or mouth occluded, compared with human 2AFC data.
// Usage: dotnet run -c Release --project samples/FaceAttention -- [--preset cpu|gpu] [--out DIR] [--models AlexNet,FE-AlexNet]
//        [--pretrainings Object,Face,RandomInit] [--threads N]
using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using TorchSharp;

string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
var outDir = Arg("--out", "face-attention-output");
var options = Arg("--preset", "cpu") == "gpu" ? FaceAttentionExperimentOptions.FullSizeGpu() : FaceAttentionExperimentOptions.CpuPreset();
if (args.Contains("--models")) options.Models = Arg("--models", "").Split(',').ToList();
if (args.Contains("--seed")) options.Seed = int.Parse(Arg("--seed", "1"));
if (args.Contains("--lr")) options.TransferLearningRate = double.Parse(Arg("--lr", "1e-4"), System.Globalization.CultureInfo.InvariantCulture);
if (args.Contains("--pretrainings")) options.Pretrainings = Arg("--pretrainings", "").Split(',').Select(Enum.Parse<FacePretraining>).ToList();
if (args.Contains("--size")) options.ImageSize = int.Parse(Arg("--size", "64"));
if (args.Contains("--pretrain-epochs")) options.PretrainEpochs = int.Parse(Arg("--pretrain-epochs", "3"));
if (args.Contains("--transfer-epochs")) options.TransferEpochs = int.Parse(Arg("--transfer-epochs", "40"));
if (args.Contains("--benchmark")) options.BenchmarkModel = Arg("--benchmark", "VGG16");
options.SaliencyDirectory = outDir;   // saliency-{model}-{pretraining}.png: Grad-CAM on one held-out face at valence 0, 0.25, 0.75, 1
if (args.Contains("--threads")) torch.set_num_threads(int.Parse(Arg("--threads", "2"))); // 1 helps on a busy machine
Directory.CreateDirectory(outDir);
torch.manual_seed(options.Seed);

var experiment = new FaceAttentionExperiment(options);
SaveExampleFaces(experiment.Generator, Path.Combine(outDir, "faces.png"));

var (objects, _) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
var clock = Stopwatch.StartNew();
var report = experiment.Run(new ExperimentContext(new ExperimentData(Objects: objects))
{
    Status = new Progress<string>(line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}")),
});

Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
if (report.Benchmark is { } b)
    Console.WriteLine($"Frozen-feature cache ({b.Model}): uncached epoch {b.UncachedEpochSeconds:F3}s, cached epoch {b.CachedEpochSeconds:F4}s -> {b.Speedup:F1}x faster (cache built once in {b.CacheBuildSeconds:F2}s).");
Console.WriteLine($"Total {report.Elapsed.TotalSeconds:F0}s on {Environment.ProcessorCount} cores.");

File.WriteAllText(Path.Combine(outDir, "curves.csv"), report.CurvesCsv());
File.WriteAllText(Path.Combine(outDir, "results.md"), report.ToMarkdown());
File.WriteAllText(Path.Combine(outDir, "results.csv"), report.Table.ToCsv());
// One row per model and pre-training (in the table's order), one column per occlusion (none, eyes, nose, mouth):
// human reference in black, fitted curve in blue, observed P(positive) per morph level as red dots.
var occlusions = new[] { FaceOcclusion.None, FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth };
PngWriter.Write(Path.Combine(outDir, "psychometric.png"), PsychometricPlot.Grid(
    report.Models.Select(m => (IReadOnlyList<PsychometricResult?>)occlusions.Select(o => m.Curves.GetValueOrDefault(o)).ToList()).ToList()));
Console.WriteLine($"Wrote faces.png, psychometric.png, saliency-*.png, curves.csv, results.md and results.csv to {Path.GetFullPath(outDir)}");

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
