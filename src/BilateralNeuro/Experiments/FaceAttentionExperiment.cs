using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Attention;
using BilateralNeuro.Backbones;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using FaceModels = BilateralNeuro.Attention.Attention;

namespace BilateralNeuro.Experiments;

/// <summary>
/// The face-attention protocol (Ying, Li, Chen, arXiv 2310.13674, with the SE-AlexNet lab's public protocol):
/// pre-train AlexNet/VGG11/13/16 on objects or on face identities; transfer to valence (negative / positive) with
/// frozen conv features, a new output layer and, for FE-AlexNet, squeeze-excitation attention before fc6 (Adam,
/// cached frozen features); test valence accuracy on held-out identities; classify the 21-level morph continuum
/// with eyes, nose or mouth occluded; fit psychometric curves and compare them with the human reference.
/// </summary>
public sealed class FaceAttentionExperiment
{
    private static readonly FaceOcclusion[] Conditions = [FaceOcclusion.None, FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth];
    private readonly ILogger logger;

    /// <summary>Creates the experiment (options validated).</summary>
    public FaceAttentionExperiment(FaceAttentionExperimentOptions options, ILogger? logger = null)
    {
        Options = FaceAttentionExperimentOptionsValidator.Check(options ?? throw new ArgumentNullException(nameof(options)));
        this.logger = logger ?? NullLogger.Instance;
        Generator = new FaceGenerator(new FaceGeneratorOptions { Size = Options.ImageSize });
    }

    /// <summary>The validated options.</summary>
    public FaceAttentionExperimentOptions Options { get; }
    /// <summary>The face generator (image size from the options).</summary>
    public FaceGenerator Generator { get; }
    /// <summary>Normalisation of every network input (pixels in [0, 1] → mean 0.5, std 0.25 per channel).</summary>
    public static Normalization InputNormalization { get; } = new([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);

    /// <summary>Runs the protocol.</summary>
    /// <param name="objects">Grey or RGB object images with a <c>fine</c> label level (e.g. Fashion-MNIST's training set); needed for object pre-training.</param>
    /// <param name="progress">Receives one line per stage.</param>
    /// <param name="cancellationToken">Stops between models.</param>
    public FaceAttentionReport Run(LabeledImages? objects, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var o = Options;
        if (o.Pretrainings.Contains(FacePretraining.Object) && objects is null)
            throw new ArgumentNullException(nameof(objects), "FaceAttentionExperiment: object pre-training needs an object image set.");
        var clock = Stopwatch.StartNew();
        var device = torch.device(o.Device);
        var gen = Generator;
        var pretrainIds = gen.SampleIdentities(o.PretrainIdentities, o.Seed * 7 + 1, firstId: 0);
        var transferIds = gen.SampleIdentities(o.TransferIdentities, o.Seed * 7 + 2, firstId: 10000);
        var testIds = gen.SampleIdentities(o.TestIdentities, o.Seed * 7 + 3, firstId: 20000);
        using var valenceAll = gen.ValenceSet(transferIds, o.ImagesPerTransferIdentity, o.Seed);
        var (valenceTrain, valenceVal) = valenceAll.SplitValidation(0.2, o.Seed);
        using var _t = valenceTrain;
        using var _v = valenceVal;
        using var valenceTest = gen.ValenceSet(testIds, o.ImagesPerTransferIdentity, o.Seed + 1, name: "faces/valence-test");
        var continua = Conditions.Select(c => gen.Continuum(testIds, o.Seed + 2, c, o.MorphLevels)).ToList();
        progress?.Report($"faces rendered: {valenceTrain.Count} train / {valenceVal.Count} validation / {valenceTest.Count} test valence images, {continua.Count} x {continua[0].Images.Count} continuum images ({clock.Elapsed.TotalSeconds:F0}s)");

        var results = new List<FaceAttentionModelResult>();
        var table = new ResultTable("face-attention");
        CacheBenchmark? benchmark = null;
        var architectures = o.Models.Select(ArchitectureOf).Distinct().ToList();
        foreach (var pretraining in o.Pretrainings)
        {
            var (ptTrain, ptVal, label) = pretraining == FacePretraining.Object
                ? SplitObjects(objects!)
                : Split(gen.IdentitySet(pretrainIds, o.ImagesPerPretrainIdentity, o.Seed + 3), FaceDatasets.Identity);
            int classes = ptTrain.ClassCount(label);
            foreach (var arch in architectures)
            {
                cancellationToken.ThrowIfCancellationRequested();
                torch.manual_seed(HashCode.Combine(o.Seed, arch, pretraining));
                var backbone = Create(arch, classes);
                ((nn.Module)backbone).to(device);
                var trainer = new Trainer(new TrainerOptions
                {
                    Epochs = o.PretrainEpochs, BatchSize = o.PretrainBatchSize, LearningRate = o.PretrainLearningRate, Seed = o.Seed, ProgressEvery = 1000,
                });
                var pt = trainer.Fit(new SingleHead((nn.Module<Tensor, Tensor>)backbone, label),
                    new BatchSource(ptTrain, o.PretrainBatchSize, device, InputNormalization, seed: o.Seed),
                    new BatchSource(ptVal, 256, device, InputNormalization, shuffle: false), [HeadSpec.Classification(label)]);
                double ptAcc = pt.BestValidation.GetValueOrDefault($"{label}/accuracy");
                progress?.Report($"{arch} pre-trained on {pretraining.ToString().ToLowerInvariant()}s: validation accuracy {ptAcc:P1} ({pt.Elapsed.TotalSeconds:F0}s)");
                var state = ((nn.Module)backbone).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                ((nn.Module)backbone).Dispose();

                foreach (var model in o.Models.Where(m => ArchitectureOf(m) == arch))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var r = Transfer(model, pretraining, ptAcc, arch, classes, state, device, valenceTrain, valenceVal, valenceTest, continua);
                    results.Add(r);
                    foreach (var (occ, c) in r.Curves)
                        table.Add($"{model} ({pretraining.ToString().ToLowerInvariant()})", occ.ToString(), o.Seed, new Dictionary<string, double>
                        {
                            ["valence accuracy"] = r.ValenceAccuracy, ["continuum accuracy"] = r.ContinuumAccuracy[occ],
                            ["PSE"] = c.Fit.Pse, ["slope"] = c.Fit.Slope, ["|dPSE|"] = c.DeltaPse, ["z"] = c.ZScore,
                        });
                    progress?.Report($"{model} ({pretraining.ToString().ToLowerInvariant()}): valence train {r.TransferTrainAccuracy:P1} / validation {r.TransferValidationAccuracy:P1} / test {r.ValenceAccuracy:P1}, PSE {r.Curves[FaceOcclusion.None].Fit.Pse:F3}, slope {r.Curves[FaceOcclusion.None].Fit.Slope:F2} ({r.TransferTime.TotalSeconds:F0}s)");
                    if (benchmark is null && model == o.BenchmarkModel)
                    {
                        benchmark = Benchmark(model, arch, classes, state, device, valenceTrain);
                        progress?.Report($"cache benchmark ({model}): uncached epoch {benchmark.UncachedEpochSeconds:F3}s, cached epoch {benchmark.CachedEpochSeconds:F4}s, speed-up {benchmark.Speedup:F1}x (cache built in {benchmark.CacheBuildSeconds:F2}s)");
                    }
                }
                foreach (var t in state.Values) t.Dispose();
            }
            ptTrain.Dispose();
            ptVal.Dispose();
        }
        foreach (var c in continua) c.Dispose();
        return new FaceAttentionReport(o, results, benchmark, table, clock.Elapsed);
    }

    /// <summary>Resizes object images to <paramref name="size"/> (bilinear) and replicates grey to 3 channels.</summary>
    public static LabeledImages ObjectsAsRgb(LabeledImages objects, int size, int count)
    {
        ArgumentNullException.ThrowIfNull(objects);
        using var subset = objects.Take(count);
        using var scope = NewDisposeScope();
        var x = subset.Images.to(ScalarType.Float32);
        x = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        if (x.shape[1] == 1) x = x.expand(-1, 3, -1, -1);
        var bytes = x.clamp(0, 255).round().to(ScalarType.Byte).contiguous().DetachFromDisposeScope();
        var labels = subset.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        return new LabeledImages(objects.Name + $"/rgb{size}", bytes, labels, objects.ClassNames.ToDictionary(kv => kv.Key, kv => kv.Value), objects.Source);
    }

    private FaceAttentionModelResult Transfer(string model, FacePretraining pretraining, double ptAcc, string arch, int classes,
        Dictionary<string, Tensor> state, Device device, LabeledImages train, LabeledImages val, LabeledImages test, List<MorphContinuum> continua)
    {
        var o = Options;
        var clock = Stopwatch.StartNew();
        torch.manual_seed(HashCode.Combine(o.Seed, model, pretraining, 17));
        using var tm = BuildTransfer(model, arch, classes, state);
        tm.to(device);
        using var cTrain = FeatureCache.Compute(tm, train, InputNormalization, device);
        using var cVal = FeatureCache.Compute(tm, val, InputNormalization, device);
        using var cTest = FeatureCache.Compute(tm, test, InputNormalization, device);
        var fit = new CachedTransferTrainer(new TrainerOptions
        {
            Epochs = o.TransferEpochs, BatchSize = o.TransferBatchSize, LearningRate = o.TransferLearningRate, Seed = o.Seed,
        }, logger).Fit(tm, cTrain, cVal, FaceDatasets.Valence);
        lastCachedEpochSeconds = fit.History.Skip(1).DefaultIfEmpty(fit.History[0]).Average(h => h.Duration.TotalSeconds);
        double accuracy = CachedTransferTrainer.Accuracy(tm, cTest, FaceDatasets.Valence);
        var curves = new Dictionary<FaceOcclusion, PsychometricResult>();
        var contAcc = new Dictionary<FaceOcclusion, double>();
        foreach (var c in continua)
        {
            using var cached = FeatureCache.Compute(tm, c.Images, InputNormalization, device);
            using var logits = CachedTransferTrainer.Predict(tm, cached);
            var positive = logits.argmax(1).eq(1).data<bool>().ToArray();
            var level = c.Images.Labels[FaceDatasets.Morph].data<long>().ToArray();
            var truth = c.Images.Labels[FaceDatasets.Valence].data<long>().ToArray();
            var k = new int[c.Levels.Length];
            var n = new int[c.Levels.Length];
            int right = 0, counted = 0;
            for (int i = 0; i < positive.Length; i++)
            {
                n[level[i]]++;
                if (positive[i]) k[level[i]]++;
                if (Math.Abs(c.Levels[level[i]] - 0.5) > 1e-9) { counted++; if (positive[i] == (truth[i] == 1)) right++; }
            }
            curves[c.Occlusion] = Psychometric.FitWithBootstrap(c.Levels, k, n, o.Bootstraps, o.Seed);
            contAcc[c.Occlusion] = right / (double)Math.Max(1, counted);
        }
        string metric = $"{FaceDatasets.Valence}/accuracy";
        return new FaceAttentionModelResult(model, pretraining, ptAcc, accuracy, curves, contAcc, clock.Elapsed,
            fit.History[^1].Train.GetValueOrDefault(metric), fit.BestValidation.GetValueOrDefault(metric));
    }

    private double lastCachedEpochSeconds;

    private CacheBenchmark Benchmark(string model, string arch, int classes, Dictionary<string, Tensor> state, Device device, LabeledImages train)
    {
        var o = Options;
        using var tm = BuildTransfer(model, arch, classes, state);
        tm.to(device);
        var build = Stopwatch.StartNew();
        using (FeatureCache.Compute(tm, train, InputNormalization, device)) { }
        double buildSeconds = build.Elapsed.TotalSeconds;
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, BatchSize = o.TransferBatchSize, LearningRate = o.TransferLearningRate, Seed = o.Seed, RestoreBest = false });
        var r = trainer.Fit(tm, new BatchSource(train, o.TransferBatchSize, device, InputNormalization, seed: o.Seed), null, [HeadSpec.Classification(FaceDatasets.Valence)]);
        return new CacheBenchmark(model, r.History[^1].Duration.TotalSeconds, lastCachedEpochSeconds, buildSeconds);
    }

    private TransferModel BuildTransfer(string model, string arch, int classes, Dictionary<string, Tensor> state)
    {
        var fresh = Create(arch, classes);
        ((nn.Module)fresh).load_state_dict(state);
        var builder = model switch
        {
            "FE-AlexNet" => FaceModels.FeAlexNet().WithFaceAttention(a => a.Reduction(Options.Reduction).Before("fc6")),
            "AlexNet" => FaceModels.AlexNet(),
            "VGG11" => FaceModels.Vgg11(),
            "VGG13" => FaceModels.Vgg13(),
            _ => FaceModels.Vgg16(),
        };
        return builder.FromBackbone(fresh).Classes(2).Head(FaceDatasets.Valence).Build();
    }

    private ITorchvisionConvNet Create(string arch, int classes) => arch switch
    {
        "AlexNet" => new AlexNet(classes, Options.Width),
        "VGG11" => Vgg.Vgg11(classes, Options.Width),
        "VGG13" => Vgg.Vgg13(classes, Options.Width),
        _ => Vgg.Vgg16(classes, Options.Width),
    };

    private static string ArchitectureOf(string model) => model == "FE-AlexNet" ? "AlexNet" : model;

    private (LabeledImages Train, LabeledImages Val, string Label) SplitObjects(LabeledImages objects)
    {
        using var rgb = ObjectsAsRgb(objects, Options.ImageSize, Options.ObjectImages);
        var (a, b) = rgb.SplitValidation(0.1, Options.Seed);
        return (a, b, LabelLevels.Fine);
    }

    private (LabeledImages Train, LabeledImages Val, string Label) Split(LabeledImages set, string label)
    {
        using (set)
        {
            var (a, b) = set.SplitValidation(0.1, Options.Seed);
            return (a, b, label);
        }
    }
}
