using System.Diagnostics;
using BilateralNeuro.Analysis;
using BilateralNeuro.Attention;
using BilateralNeuro.Attention.Training;
using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Experiments;

/// <summary>
/// The face-attention protocol (Ying, Li, Chen, arXiv 2310.13674, with the SE-AlexNet lab's public protocol):
/// pre-train AlexNet/VGG11/13/16 on objects or on face identities; transfer to valence (negative / positive) with
/// frozen conv features, a new output layer and, for FE-AlexNet, squeeze-excitation attention before fc6 (Adam,
/// cached frozen features); test valence accuracy on held-out identities; classify the 21-level morph continuum
/// with eyes, nose or mouth occluded; fit psychometric curves and compare them with the human reference.
/// </summary>
public sealed class FaceAttentionExperiment : IExperiment<FaceAttentionExperimentOptions, FaceAttentionReport>
{
    private static readonly FaceOcclusion[] Conditions = [FaceOcclusion.None, FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth];
    private ILogger logger = NullLogger.Instance;

    /// <summary>Creates the experiment (options validated).</summary>
    public FaceAttentionExperiment(FaceAttentionExperimentOptions options)
    {
        Options = OptionsValidation.ThrowIfInvalid(options ?? throw new ArgumentNullException(nameof(options)), new FaceAttentionExperimentOptionsValidator());
        Generator = new FaceGenerator(new FaceGeneratorOptions { Size = Options.ImageSize });
    }

    /// <summary>The validated options.</summary>
    public FaceAttentionExperimentOptions Options { get; }
    /// <summary>The face generator (image size from the options).</summary>
    public FaceGenerator Generator { get; }
    /// <summary>Normalisation of every network input (pixels in [0, 1] → mean 0.5, std 0.25 per channel).</summary>
    public static Normalization InputNormalization { get; } = new([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);

    /// <summary>
    /// Runs the protocol. <see cref="ExperimentData.Objects"/> holds grey or RGB object images with a <c>fine</c> label
    /// level (e.g. Fashion-MNIST's training set), needed for object pre-training only. Logs under the category
    /// <c>face-attention</c>; the journal keeps every finished (pre-training, model) result and the pre-training epoch
    /// checkpoints; status gets one line per stage; cancellation stops between models and training steps.
    /// </summary>
    public FaceAttentionReport Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var objects = context.Data.Objects;
        var progress = context.Status;
        var cancellationToken = context.Cancellation;
        var journal = context.Journal;
        var stageProgress = context.StageProgress;
        logger = context.LoggerFactory.CreateLogger("face-attention");
        var o = Options;
        if (o.Pretrainings.Contains(FacePretraining.Object) && objects is null)
            throw new ArgumentNullException(nameof(context), "FaceAttentionExperiment: object pre-training needs an object image set (ExperimentData.Objects is null).");
        var clock = Stopwatch.StartNew();
        var device = torch.device(o.Device);
        var gen = Generator;
        var pretrainIds = gen.SampleIdentities(o.PretrainIdentities, o.Seed * 7 + 1, firstId: 0);
        var transferIds = gen.SampleIdentities(o.TransferIdentities, o.Seed * 7 + 2, firstId: 10000);
        var testIds = gen.SampleIdentities(o.TestIdentities, o.Seed * 7 + 3, firstId: 20000);
        testIdsForSaliency = testIds;
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
            var (ptTrain, ptVal, label) = pretraining switch
            {
                FacePretraining.Object => SplitObjects(objects!),
                FacePretraining.Face => Split(gen.IdentitySet(pretrainIds, o.ImagesPerPretrainIdentity, o.Seed + 3), FaceDatasets.Identity),
                _ => ((LabeledImages?)null, (LabeledImages?)null, FaceDatasets.Identity),
            };
            int classes = ptTrain?.ClassCount(label) ?? 2;
            foreach (var arch in architectures)
            {
                var archModels = o.Models.Where(m => ArchitectureOf(m) == arch).ToList();
                var stored = new Dictionary<string, FaceAttentionModelResult>();
                foreach (var model in archModels)
                    if (journal is not null && journal.TryGet(Unit(pretraining, model), out FaceAttentionModelResult done)) stored[model] = done;
                if (stored.Count == archModels.Count)
                {
                    foreach (var model in archModels) Record(model, pretraining, stored[model], results, table, progress, resumed: true);
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                torch.manual_seed(StableSeed(o.Seed, arch, pretraining.ToString()));
                var backbone = Create(arch, classes);
                ((nn.Module)backbone).to(device);
                double ptAcc = double.NaN;
                if (ptTrain is not null)
                {
                    var trainer = new Trainer(new TrainerOptions
                    {
                        Epochs = o.PretrainEpochs, BatchSize = o.PretrainBatchSize, LearningRate = o.PretrainLearningRate, Seed = o.Seed,
                        ProgressEvery = stageProgress is null ? 1000 : 1,
                        CheckpointDirectory = journal?.UnitDirectory($"{pretraining} {arch} pre-training"),
                    });
                    var pt = trainer.Fit(new SingleHead((nn.Module<Tensor, Tensor>)backbone, label),
                        new BatchSource(ptTrain, o.PretrainBatchSize, device, InputNormalization, seed: o.Seed),
                        new BatchSource(ptVal!, 256, device, InputNormalization, shuffle: false), [HeadSpec.Classification(label)],
                        stageProgress?.Invoke($"{arch} pre-training on {Describe(pretraining)}"), cancellationToken);
                    ptAcc = pt.BestValidation.GetValueOrDefault($"{label}/accuracy");
                    progress?.Report($"{arch} pre-trained on {Describe(pretraining)}: validation accuracy {ptAcc:P1} ({pt.Elapsed.TotalSeconds:F0}s)");
                }
                var state = ((nn.Module)backbone).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                ((nn.Module)backbone).Dispose();

                // Every model of one architecture here (AlexNet and FE-AlexNet: attention before fc6) shares the frozen
                // prefix up to avgpool, so its features are computed once per (architecture, pre-training).
                var cacheClock = Stopwatch.StartNew();
                using var caches = SharedCaches(arch, classes, state, device, valenceTrain, valenceVal, valenceTest, continua);
                double cacheSeconds = cacheClock.Elapsed.TotalSeconds;
                foreach (var model in archModels)
                {
                    if (stored.TryGetValue(model, out var done))
                    {
                        Record(model, pretraining, done, results, table, progress, resumed: true);
                        continue;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    var r = Transfer(model, pretraining, ptAcc, arch, classes, state, device, caches, continua, cacheSeconds);
                    cacheSeconds = 0;
                    journal?.Save(Unit(pretraining, model), r);
                    Record(model, pretraining, r, results, table, progress, resumed: false);
                    if (benchmark is null && model == o.BenchmarkModel)
                    {
                        benchmark = Benchmark(model, arch, classes, state, device, valenceTrain);
                        progress?.Report($"cache benchmark ({model}): uncached epoch {benchmark.UncachedEpochSeconds:F3}s, cached epoch {benchmark.CachedEpochSeconds:F4}s, speed-up {benchmark.Speedup:F1}x (cache built in {benchmark.CacheBuildSeconds:F2}s)");
                    }
                }
                foreach (var t in state.Values) t.Dispose();
            }
            ptTrain?.Dispose();
            ptVal?.Dispose();
        }
        foreach (var c in continua) c.Dispose();
        return new FaceAttentionReport(o, results, benchmark, table, clock.Elapsed);
    }

    private static string Unit(FacePretraining pretraining, string model) => $"{pretraining} {model}";

    private void Record(string model, FacePretraining pretraining, FaceAttentionModelResult r, List<FaceAttentionModelResult> results,
        ResultTable table, IProgress<string>? progress, bool resumed)
    {
        results.Add(r);
        foreach (var (occ, c) in r.Curves)
            table.Add($"{model} ({Describe(pretraining)})", occ.ToString(), Options.Seed, new Dictionary<string, double>
            {
                ["valence accuracy"] = r.ValenceAccuracy, ["continuum accuracy"] = r.ContinuumAccuracy[occ],
                ["PSE"] = c.Fit.Pse, ["slope"] = c.Fit.Slope, ["|dPSE|"] = c.DeltaPse, ["z"] = c.ZScore,
            });
        progress?.Report($"{model} ({Describe(pretraining)}){(resumed ? " [finished in an earlier run]" : "")}: valence train {r.TransferTrainAccuracy:P1} / validation {r.TransferValidationAccuracy:P1} / test {r.ValenceAccuracy:P1}, PSE {r.Curves[FaceOcclusion.None].Fit.Pse:F3}, slope {r.Curves[FaceOcclusion.None].Fit.Slope:F2} ({r.TransferTime.TotalSeconds:F0}s)");
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

    private static string Describe(FacePretraining p) => p switch
    {
        FacePretraining.Object => "objects",
        FacePretraining.Face => "faces",
        _ => "nothing (random init)",
    };

    // Frozen-prefix features (up to avgpool) of every evaluation set for one (architecture, pre-training).
    private sealed class Caches(CachedSource train, CachedSource val, CachedSource test, IReadOnlyList<CachedSource> continua) : IDisposable
    {
        public CachedSource Train { get; } = train;
        public CachedSource Val { get; } = val;
        public CachedSource Test { get; } = test;
        public IReadOnlyList<CachedSource> Continua { get; } = continua;

        public void Dispose()
        {
            Train.Dispose();
            Val.Dispose();
            Test.Dispose();
            foreach (var c in Continua) c.Dispose();
        }
    }

    private Caches SharedCaches(string arch, int classes, Dictionary<string, Tensor> state, Device device,
        LabeledImages train, LabeledImages val, LabeledImages test, List<MorphContinuum> continua)
    {
        using var tm = BuildTransfer(arch, arch, classes, state);
        tm.to(device);
        return new Caches(TransferTraining.CacheFeatures(tm, train, InputNormalization, device), TransferTraining.CacheFeatures(tm, val, InputNormalization, device),
            TransferTraining.CacheFeatures(tm, test, InputNormalization, device),
            continua.Select(c => TransferTraining.CacheFeatures(tm, c.Images, InputNormalization, device)).ToList());
    }

    private FaceAttentionModelResult Transfer(string model, FacePretraining pretraining, double ptAcc, string arch, int classes,
        Dictionary<string, Tensor> state, Device device, Caches caches, List<MorphContinuum> continua, double cacheSeconds)
    {
        var o = Options;
        var clock = Stopwatch.StartNew();
        torch.manual_seed(StableSeed(o.Seed, model, pretraining.ToString(), "transfer"));
        using var tm = BuildTransfer(model, arch, classes, state);
        tm.to(device);
        if (tm.CacheBoundary != "avgpool") throw new InvalidOperationException($"FaceAttentionExperiment: {model} cannot share the avgpool feature cache (boundary {tm.CacheBoundary}).");
        var fit = TransferTraining.Fit(tm, caches.Train, caches.Val, FaceDatasets.Valence, new TrainerOptions
        {
            Epochs = o.TransferEpochs, BatchSize = o.TransferBatchSize, LearningRate = o.TransferLearningRate, Seed = o.Seed,
            EpochLogLevel = LogLevel.Debug,
        }, logger);
        lastCachedEpochSeconds = fit.History.Skip(1).DefaultIfEmpty(fit.History[0]).Average(h => h.Duration.TotalSeconds);
        double accuracy = TransferTraining.Accuracy(tm, caches.Test, FaceDatasets.Valence);
        var curves = new Dictionary<FaceOcclusion, PsychometricResult>();
        var contAcc = new Dictionary<FaceOcclusion, double>();
        for (int ci = 0; ci < continua.Count; ci++)
        {
            var c = continua[ci];
            using var logits = TransferTraining.Predict(tm, caches.Continua[ci]);
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
        var saliency = Saliency(tm, testIdsForSaliency!, device, $"{model}-{pretraining}");
        string metric = $"{FaceDatasets.Valence}/accuracy";
        return new FaceAttentionModelResult(model, pretraining, ptAcc, accuracy, curves, contAcc, clock.Elapsed + TimeSpan.FromSeconds(cacheSeconds),
            fit.History[^1].Train.GetValueOrDefault(metric), fit.BestValidation.GetValueOrDefault(metric), saliency);
    }

    private double lastCachedEpochSeconds;
    private IReadOnlyList<FaceIdentity>? testIdsForSaliency;

    // Grad-CAM shares on the unoccluded continuum of up to 16 test identities (levels 0, 0.25, 0.75, 1), fixed nuisance.
    private IReadOnlyDictionary<FaceOcclusion, double> Saliency(TransferModel tm, IReadOnlyList<FaceIdentity> ids, Device device, string? stripName = null)
    {
        var chosen = ids.Take(16).ToList();
        var idList = chosen.SelectMany(i => Enumerable.Repeat(i, 4)).ToList();
        var values = chosen.SelectMany(_ => new[] { 0.0, 0.25, 0.75, 1.0 }).ToList();
        var nu = Enumerable.Repeat(FaceNuisance.Canonical, idList.Count).ToList();
        using var scope = NewDisposeScope();
        var images = ((Generator.Render(idList, values, nu, noiseSeed: Options.Seed) - 0.5f) / 0.25f).to(device);
        var masks = new[] { FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth }.ToDictionary(r => r, r => Generator.RegionMasks(idList, nu, r));
        if (Options.SaliencyDirectory is { } dir && stripName is not null)
            FaceAttentionSaliency.WriteStrip(tm, images[..4], (images[..4] * 0.25f + 0.5f).clamp(0, 1), Path.Combine(dir, $"saliency-{stripName}.png"));
        return FaceAttentionSaliency.RegionShares(tm, images, masks);
    }

    private CacheBenchmark Benchmark(string model, string arch, int classes, Dictionary<string, Tensor> state, Device device, LabeledImages train)
    {
        var o = Options;
        using var tm = BuildTransfer(model, arch, classes, state);
        tm.to(device);
        var build = Stopwatch.StartNew();
        using (TransferTraining.CacheFeatures(tm, train, InputNormalization, device)) { }
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
            "FE-AlexNet" => TransferModels.FeAlexNet().WithFaceAttention(a => a.Reduction(Options.Reduction).Before("fc6")),
            "AlexNet" => TransferModels.AlexNet(),
            "VGG11" => TransferModels.Vgg11(),
            "VGG13" => TransferModels.Vgg13(),
            _ => TransferModels.Vgg16(),
        };
        return builder.FromBackbone(fresh).Classes(2).Head(FaceDatasets.Valence).Build();
    }

    private ITorchvisionConvNet Create(string arch, int classes) => arch switch
    {
        "AlexNet" => new AlexNet(classes, Options.Width),
        "VGG11" => Vgg.Vgg11(classes, Options.VggWidth ?? Options.Width),
        "VGG13" => Vgg.Vgg13(classes, Options.VggWidth ?? Options.Width),
        _ => Vgg.Vgg16(classes, Options.VggWidth ?? Options.Width),
    };

    // The same seed in every process (HashCode.Combine is randomised per process).
    private static long StableSeed(int seed, params string[] parts) => Core.StableSeed.Of(seed, parts);

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
