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
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>
/// The face-attention protocol (Ying, Li, Chen, arXiv 2310.13674; transfer and psychometrics as the SE-AlexNet lab's
/// public code, JyBmegan/SE-AlexNet and JyBmegan/PsychometricFittingCurve). For every seed: pre-train AlexNet and
/// VGG11/13/16 at one width on objects (procedural shapes or a given object set) or on face identities (hundreds of
/// procedural identities), or leave them at random init; probe every conv block of the frozen network for valence
/// with an identity-grouped linear read-out; transfer to valence like the stand-in (conv weights carried and frozen,
/// fc6/fc7 fresh, random resized crop + flip views cached once as frozen features, Adam on the cache) as AlexNet,
/// FE-AlexNet (SE gate, reduction 2, before fc6), the parameter-matched ungated control and the VGGs; test on held-out
/// identities; read P(happy) from the softmax along the averaged test identity's morph and fit it like the lab (PSE
/// on the continuum, slope = derivative at the PSE, "no fit" for flat curves). Summaries carry 95 % t CIs over seeds
/// and paired within-pre-training differences against AlexNet.
/// </summary>
public sealed class FaceAttentionExperiment : IExperiment<FaceAttentionExperimentOptions, FaceAttentionReport>
{
    private ILogger logger = NullLogger.Instance;
    private Func<string, IProgress<TrainingProgress>>? stageProgress;
    private ExperimentJournal? journal;

    /// <summary>Creates the experiment (options validated).</summary>
    public FaceAttentionExperiment(FaceAttentionExperimentOptions options)
    {
        Options = OptionsValidation.ThrowIfInvalid(options ?? throw new ArgumentNullException(nameof(options)), new FaceAttentionExperimentOptionsValidator());
        Generator = new FaceGenerator(new FaceGeneratorOptions { Size = Options.ImageSize });
        PretrainGenerator = (Options.PretrainImageSize ?? Options.ImageSize) == Options.ImageSize ? Generator
            : new FaceGenerator(new FaceGeneratorOptions { Size = Options.PretrainImageSize!.Value });
    }

    /// <summary>The face generator of the identity pre-training (image size <see cref="FaceAttentionExperimentOptions.PretrainImageSize"/>).</summary>
    public FaceGenerator PretrainGenerator { get; }

    /// <summary>The validated options.</summary>
    public FaceAttentionExperimentOptions Options { get; }
    /// <summary>The face generator (image size from the options).</summary>
    public FaceGenerator Generator { get; }
    /// <summary>Normalisation of every network input (pixels in [0, 1] → mean 0.5, std 0.25 per channel).</summary>
    public static Normalization InputNormalization { get; } = new([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);

    /// <summary>
    /// Runs the protocol. <see cref="ExperimentData.Objects"/> holds object images with a <c>fine</c> label level (grey
    /// or RGB, any size; e.g. Fashion-MNIST) for object pre-training, or is null to render <see cref="ProceduralObjects"/>
    /// (<see cref="FaceObjectSet.Procedural"/>) at the pre-training image size, or is null to load Fashion-MNIST (<see cref="FaceAttentionExperimentOptions.ObjectSet"/>). Logs under the category <c>face-attention</c>; the journal keeps every finished
    /// (data seed, pre-training, backbone) unit; status gets one line per unit; stage progress one sink per pre-training;
    /// cancellation stops between units and training steps.
    /// </summary>
    public FaceAttentionReport Run(ExperimentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        LabeledImages? ownObjects = null;
        // Fashion-MNIST is loaded only when an object pre-training has to run (not when the journal holds every unit).
        LabeledImages? Objects()
        {
            if (context.Data.Objects is { } given) return given;
            if (ownObjects is null && Options.ObjectSet == FaceObjectSet.FashionMnist)
            {
                var (fmTrain, fmTest) = Datasets.FashionMnist(logger: context.LoggerFactory.CreateLogger("face-attention"));
                fmTest.Dispose();
                ownObjects = fmTrain;
            }
            return ownObjects;
        }
        try { return RunWith(context, Objects); }
        finally { ownObjects?.Dispose(); }
    }

    private FaceAttentionReport RunWith(ExperimentContext context, Func<LabeledImages?> objects)
    {
        var progress = context.Status;
        var cancellationToken = context.Cancellation;
        journal = context.Journal;
        stageProgress = context.StageProgress;
        logger = context.LoggerFactory.CreateLogger("face-attention");
        var o = Options;
        var clock = Stopwatch.StartNew();
        var device = torch.device(o.Device);
        var results = new List<FaceAttentionSeedResult>();
        var architectures = o.Models.Select(ArchitectureOf).Distinct().ToList();
        // Units of work: (pre-training seed, source, architecture) with the transfer seeds run on that pre-training.
        var groups = o.PretrainPerSeed ? o.Seeds.Select(s => (DataSeed: s, Transfer: (IReadOnlyList<int>)[s])).ToList()
            : [(o.DataSeed, (IReadOnlyList<int>)o.Seeds)];
        foreach (var (dataSeed, transferSeeds) in groups)
        {
            // units already in the journal (a resumed run, or units finished by worker processes) are read, not rendered
            var pendingBySource = o.Pretrainings.Select(pt => (Pretraining: pt, Pending: architectures.Where(a => !TryResume(journal, dataSeed, pt, a, results)).ToList())).ToList();
            if (pendingBySource.All(p => p.Pending.Count == 0)) continue;
            // Rendered once per seed and run: the units of this seed (other pre-trainings, other worker processes) read the
            // journal's copy instead of rendering the same faces again.
            using var data = SeedData.Create(Generator, o, dataSeed, journal is null ? null : Path.Combine(journal.UnitDirectory($"seed {dataSeed} faces"), "valence-sets.bin"));
            progress?.Report($"data seed {dataSeed}: {data.Train.Count} train / {data.Validation.Count} validation / {data.Test.Count} test valence images, morph {o.MorphLevels} levels × {o.Occlusions.Count}; transfer seeds {string.Join(", ", transferSeeds)} ({clock.Elapsed.TotalSeconds:F0}s)");
            foreach (var (pretraining, pending) in pendingBySource)
            {
                if (pending.Count == 0) continue;
                var (ptTrain, ptVal, label) = PretrainingData(pretraining, pretraining == FacePretraining.Object ? objects() : null, dataSeed);
                try
                {
                    foreach (var arch in pending)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var unit = RunUnit(dataSeed, transferSeeds, pretraining, arch, ptTrain, ptVal, label, data, device, progress, cancellationToken);
                        journal?.Save(Unit(dataSeed, pretraining, arch), unit);
                        results.AddRange(unit);
                    }
                }
                finally
                {
                    ptTrain?.Dispose();
                    ptVal?.Dispose();
                }
            }
        }
        return Summarize(o, InRunOrder(o, results), clock.Elapsed);
    }

    // The order of a run without a journal (data seed, pre-training, backbone, transfer seed, model), whichever units were
    // resumed from the journal or finished elsewhere (worker processes), so a resumed or parallel run lists its results alike.
    private static List<FaceAttentionSeedResult> InRunOrder(FaceAttentionExperimentOptions o, List<FaceAttentionSeedResult> results)
    {
        var architectures = o.Models.Select(ArchitectureOf).Distinct().ToList();
        return results.OrderBy(r => o.PretrainPerSeed ? o.Seeds.IndexOf(r.Seed) : 0).ThenBy(r => o.Pretrainings.IndexOf(r.Pretraining))
            .ThenBy(r => architectures.IndexOf(r.Architecture)).ThenBy(r => o.Seeds.IndexOf(r.Seed)).ThenBy(r => o.Models.IndexOf(r.Model)).ToList();
    }

    private static bool TryResume(ExperimentJournal? journal, int seed, FacePretraining pretraining, string arch, List<FaceAttentionSeedResult> results)
    {
        if (journal is null || !journal.TryGet(Unit(seed, pretraining, arch), out List<FaceAttentionSeedResult> done)) return false;
        results.AddRange(done);
        return true;
    }

    private static string Unit(int seed, FacePretraining pretraining, string arch) => $"seed {seed} {pretraining} {arch}";

    // Valence train / validation / test sets (disjoint identities) and the averaged-identity morphs of one seed.
    private sealed class SeedData : IDisposable
    {
        public required LabeledImages Train { get; init; }
        public required LabeledImages Validation { get; init; }
        public required LabeledImages Test { get; init; }
        public required IReadOnlyList<MorphContinuum> Morphs { get; init; }

        public static SeedData Create(FaceGenerator gen, FaceAttentionExperimentOptions o, int seed, string? file = null)
        {
            if (file is not null && FaceSeedDataFile.TryRead(file) is { } stored)
            {
                if (stored.Sets.Count == 3 && stored.Morphs.Count == o.Occlusions.Count)
                    return new SeedData { Train = stored.Sets[0], Validation = stored.Sets[1], Test = stored.Sets[2], Morphs = stored.Morphs };
                foreach (var set in stored.Sets) set.Dispose();
                foreach (var m in stored.Morphs) m.Dispose();
            }
            var data = Render(gen, o, seed);
            if (file is not null) FaceSeedDataFile.Write(file, [data.Train, data.Validation, data.Test], data.Morphs);
            return data;
        }

        private static SeedData Render(FaceGenerator gen, FaceAttentionExperimentOptions o, int seed)
        {
            var trainIds = gen.SampleIdentities(o.TransferIdentities, StableSeed.Of(seed, "transfer identities"), firstId: 10000);
            var valIds = gen.SampleIdentities(o.ValidationIdentities, StableSeed.Of(seed, "validation identities"), firstId: 15000);
            var testIds = gen.SampleIdentities(o.TestIdentities, StableSeed.Of(seed, "test identities"), firstId: 20000);
            return new SeedData
            {
                Train = gen.ValenceSet(trainIds, o.ImagesPerTransferIdentity, StableSeed.Of(seed, "valence train")),
                Validation = gen.ValenceSet(valIds, o.ImagesPerTransferIdentity, StableSeed.Of(seed, "valence validation"), name: "faces/valence-validation"),
                Test = gen.ValenceSet(testIds, o.ImagesPerTransferIdentity, StableSeed.Of(seed, "valence test"), name: "faces/valence-test"),
                Morphs = o.Occlusions.Select(c => gen.AveragedContinuum(testIds, StableSeed.Of(seed, "morph"), c, o.MorphLevels)).ToList(),
            };
        }

        public void Dispose()
        {
            Train.Dispose();
            Validation.Dispose();
            Test.Dispose();
            foreach (var m in Morphs) m.Dispose();
        }
    }

    private (LabeledImages? Train, LabeledImages? Validation, string Label) PretrainingData(FacePretraining pretraining, LabeledImages? objects, int seed)
    {
        var o = Options;
        LabeledImages set;
        string label;
        switch (pretraining)
        {
            case FacePretraining.Object:
                set = objects is null
                    ? ProceduralObjects.Create(o.ObjectImages, PretrainGenerator.Options.Size, StableSeed.Of(seed, "objects"))
                    : ObjectsAsRgb(objects, PretrainGenerator.Options.Size, o.ObjectImages, StableSeed.Of(seed, "object subset"));
                label = LabelLevels.Fine;
                break;
            case FacePretraining.Face:
                var ids = PretrainGenerator.SampleIdentities(o.PretrainIdentities, StableSeed.Of(seed, "pre-training identities"), firstId: 0);
                set = PretrainGenerator.IdentitySet(ids, o.ImagesPerPretrainIdentity, StableSeed.Of(seed, "identity images"));
                label = FaceDatasets.Identity;
                break;
            default:
                return (null, null, FaceDatasets.Identity);
        }
        using (set)
        {
            var (a, b) = set.SplitValidation(0.15, StableSeed.Of(seed, "pre-training split"));
            return (a, b, label);
        }
    }

    // One (seed, pre-training, backbone): pre-train, probe, cache the frozen conv features once, transfer every model of
    // the backbone on the cache, read the morph.
    private List<FaceAttentionSeedResult> RunUnit(int seed, IReadOnlyList<int> transferSeeds, FacePretraining pretraining, string arch, LabeledImages? ptTrain, LabeledImages? ptVal,
        string label, SeedData data, Device device, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var o = Options;
        var clock = Stopwatch.StartNew();
        int classes = ptTrain?.ClassCount(label) ?? 2;
        torch.manual_seed(StableSeed.Of(seed, arch, pretraining.ToString(), "init"));
        var backbone = Create(arch, classes);
        ((nn.Module)backbone).to(device);
        double ptAcc = double.NaN, chance = double.NaN;
        int ptEpochs = 0;
        if (ptTrain is not null)
        {
            var trainer = new Trainer(new TrainerOptions
            {
                Epochs = o.PretrainEpochs, BatchSize = o.PretrainBatchSize, LearningRate = o.PretrainLearningRate, Seed = seed,
                ProgressEvery = stageProgress is null ? 1000 : 1, EpochLogLevel = LogLevel.Debug,
                CheckpointDirectory = journal?.UnitDirectory($"{Unit(seed, pretraining, arch)} pre-training"),
            }, logger);
            var model = new SingleHead((nn.Module<Tensor, Tensor>)backbone, label);
            var selection = Selection.Metric($"{label}/accuracy");
            if (TargetOf(pretraining) is { } target) selection = selection.StopAt(target);
            var pt = trainer.Fit(new TrainingRun
            {
                Model = model, Objective = new HeadObjective(model, [HeadSpec.Classification(label)]), Selection = selection,
                Train = new BatchSource(ptTrain, o.PretrainBatchSize, device, InputNormalization, seed: seed),
                Validation = new BatchSource(ptVal!, 256, device, InputNormalization, shuffle: false),
            }, stageProgress?.Invoke($"seed {seed}: {arch} pre-training on {FaceAttentionReport.Describe(pretraining)}"), cancellationToken);
            ptAcc = pt.BestValidation.GetValueOrDefault($"{label}/accuracy", double.NaN);
            ptEpochs = pt.History.Count;
            chance = 1.0 / classes;
        }

        // layer-wise linear valence probes on the frozen backbone (identity-grouped folds)
        // The same pass keeps the trunk + avgpool output of the training originals: the transfer cache's first view,
        // so the frozen prefix does not run over them twice (same batches, same weights: the same numbers).
        var probes = new List<FaceProbeLayer>();
        using var acts = PooledActivations.Extract(backbone, data.Train, InputNormalization, device: device, keepTrunkOutput: true);
        foreach (var l in LinearProbe.ByLayer(acts, data.Train.Labels[FaceDatasets.Valence],
                     new LinearProbeOptions { Folds = o.ProbeFolds, Seed = seed }, data.Train.Labels[FaceDatasets.Identity]))
            probes.Add(new FaceProbeLayer(l.Layer, l.Result.Accuracy, l.Result.FoldAccuracies));

        var state = ((nn.Module)backbone).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        ((nn.Module)backbone).Dispose();
        var unit = new List<FaceAttentionSeedResult>();
        try
        {
            using var caches = Caches.Build(this, arch, classes, state, data, device, seed, acts.TrunkOutput);
            foreach (int transferSeed in transferSeeds)
                foreach (var model in o.Models.Where(m => ArchitectureOf(m) == arch))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    unit.Add(Transfer(transferSeed, pretraining, model, arch, classes, state, caches, data, device, ptAcc, chance, probes) with { PretrainEpochs = ptEpochs });
                }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        string probeText = string.Join(" ", probes.Select(p => $"{p.Layer} {p.Accuracy:P0}"));
        progress?.Report($"seed {seed} {arch} ({FaceAttentionReport.Describe(pretraining)}): pre-training {(double.IsNaN(ptAcc) ? "-" : $"{ptAcc:P1} after {ptEpochs} epochs")}, probes {probeText}; " +
            string.Join("; ", unit.GroupBy(u => u.Model).Select(g => $"{g.Key} test {string.Join("/", g.Select(u => u.TransferAccuracy.ToString("P0")))}, fitted {g.Count(u => u.Curve(o.Occlusions[0])?.Fitted == true)}/{g.Count()}")) + $" ({clock.Elapsed.TotalSeconds:F0}s)");
        return unit;
    }

    // Frozen-prefix features (up to avgpool) of every set for one backbone: the training set with its crop + flip views,
    // validation, test and the morphs. AlexNet, FE-AlexNet and the ungated control share them (same frozen prefix).
    private sealed class Caches : IDisposable
    {
        public required CachedSource Train { get; init; }
        public required CachedSource Validation { get; init; }
        public required CachedSource Test { get; init; }
        public required IReadOnlyList<CachedSource> Morphs { get; init; }

        public static Caches Build(FaceAttentionExperiment e, string arch, int classes, Dictionary<string, Tensor> state, SeedData data, Device device, int seed, Tensor? trainOriginals)
        {
            using var tm = e.BuildTransfer(arch, arch, classes, state);
            tm.to(device);
            tm.eval();
            return new Caches
            {
                Train = CacheViews(tm, data.Train, e.Options.AugmentedViews, StableSeed.Of(seed, arch, "views"), device, originals: trainOriginals),
                Validation = TransferTraining.CacheFeatures(tm, data.Validation, InputNormalization, device),
                Test = TransferTraining.CacheFeatures(tm, data.Test, InputNormalization, device),
                Morphs = data.Morphs.Select(m => TransferTraining.CacheFeatures(tm, m.Images, InputNormalization, device)).ToList(),
            };
        }

        public void Dispose()
        {
            Train.Dispose();
            Validation.Dispose();
            Test.Dispose();
            foreach (var m in Morphs) m.Dispose();
        }
    }

    /// <summary>
    /// Frozen features of <paramref name="data"/> and of <paramref name="views"/> random resized crop + flip views of it
    /// (<see cref="ResizedCropFlip.Faces"/>; the stand-in's transfer augmentation), stacked into one cache on the CPU
    /// with the labels repeated per view. Training on it sees crop+flip while the frozen conv part runs only once per view.
    /// <paramref name="originals"/>, when given, are the frozen features of <paramref name="data"/> itself computed
    /// elsewhere (e.g. <see cref="PooledActivations.TrunkOutput"/> of the probes' pass over the same backbone): they are
    /// copied into the cache instead of running the prefix over the originals a second time.
    /// </summary>
    public static CachedSource CacheViews(TransferModel model, LabeledImages data, int views, int seed, Device? device = null, int batchSize = 128, Tensor? originals = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (views < 0) throw new ArgumentOutOfRangeException(nameof(views), views, "CacheViews: views must be at least 0.");
        if (!model.CanCacheFeatures) throw new InvalidOperationException($"CacheViews: {model.GetName()} trains its features; only a frozen prefix can be cached.");
        if (originals is not null && (originals.dim() < 2 || originals.shape[0] != data.Count || originals.dtype != ScalarType.Float32))
            throw new ArgumentException($"CacheViews: originals must be float32 features with one row per image of {data.Name} ({data.Count}), got {originals.dtype} {Guard.Describe(originals)}.", nameof(originals));
        var source = new BatchSource(data, batchSize, device, InputNormalization, shuffle: false);
        var generator = new Generator((ulong)(uint)seed, CPU);
        var parts = new List<Tensor>();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            if (originals is not null) parts.Add(originals.cpu().clone());
            for (int v = originals is null ? 0 : 1; v <= views; v++)
                foreach (var ix in source.IndexBatches(0))
                {
                    using var scope = NewDisposeScope();
                    var x = source.Load(ix, augment: false).Images;
                    if (v > 0) x = ResizedCropFlip.Faces.Apply(x.cpu(), generator).to(x.device);
                    parts.Add(model.ForwardFrozen(x).cpu().DetachFromDisposeScope());
                }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        var features = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        var labels = data.Labels.ToDictionary(kv => kv.Key, kv => torch.cat(Enumerable.Repeat(kv.Value, views + 1).ToList(), 0));
        return new CachedSource($"{data.Name}+{views} crop/flip views", new Dictionary<string, Tensor> { [TransferTraining.FeaturesInput] = features }, labels, batchSize);
    }

    private FaceAttentionSeedResult Transfer(int seed, FacePretraining pretraining, string model, string arch, int classes, Dictionary<string, Tensor> state,
        Caches caches, SeedData data, Device device, double ptAcc, double chance, List<FaceProbeLayer> probes)
    {
        var o = Options;
        torch.manual_seed(StableSeed.Of(seed, model, pretraining.ToString(), "transfer"));
        using var tm = BuildTransfer(model, arch, classes, state);
        tm.to(device);
        if (tm.CacheBoundary != "avgpool") throw new InvalidOperationException($"FaceAttentionExperiment: {model} cannot share the avgpool feature cache (boundary {tm.CacheBoundary}).");
        int perEpoch = (int)((caches.Train.Count + o.TransferBatchSize - 1) / o.TransferBatchSize);
        int epochs = Math.Max(1, (o.TransferSteps + perEpoch - 1) / perEpoch);
        var fit = TransferTraining.Fit(tm, caches.Train, caches.Validation, FaceDatasets.Valence, new TrainerOptions
        {
            Epochs = epochs, BatchSize = o.TransferBatchSize, LearningRate = o.TransferLearningRate, Seed = StableSeed.Of(seed, model, "order"),
            EpochLogLevel = LogLevel.Debug, ProgressEvery = 1000,
        }, logger);
        double valAcc = fit.BestValidation.GetValueOrDefault($"{FaceDatasets.Valence}/accuracy", double.NaN);
        double accuracy = TransferTraining.Accuracy(tm, caches.Test, FaceDatasets.Valence);
        var curveOptions = new PsychometricCurveOptions { Method = o.CurveFit };
        var curves = new List<FaceCurve>();
        for (int i = 0; i < data.Morphs.Count; i++)
        {
            using var logits = TransferTraining.Predict(tm, caches.Morphs[i]);
            using var p = nn.functional.softmax(logits.to(ScalarType.Float64), 1)[.., 1].contiguous();
            var happy = p.data<double>().ToArray();
            var levels = data.Morphs[i].Levels;
            var table = levels.Select((x, j) => (x, happy[j])).ToDictionary(t => t.x, t => t.Item2);
            curves.Add(new FaceCurve(data.Morphs[i].Occlusion, PsychometricCurves.Fit(table, curveOptions)));
        }
        return new FaceAttentionSeedResult(seed, pretraining, model, arch, ptAcc, chance, probes, valAcc, accuracy, epochs * perEpoch, curves);
    }

    private TransferModel BuildTransfer(string model, string arch, int classes, Dictionary<string, Tensor> state)
    {
        var fresh = Create(arch, classes);
        ((nn.Module)fresh).load_state_dict(state);
        var builder = model switch
        {
            "FE-AlexNet" => TransferModels.SeAlexNet().WithFaceAttention(a => a.Reduction(Options.Reduction)),
            "Ungated-AlexNet" => TransferModels.UngatedAlexNet().WithFaceAttention(a => a.Reduction(Options.Reduction)),
            "AlexNet" => TransferModels.AlexNet(),
            "VGG11" => TransferModels.Vgg11(),
            "VGG13" => TransferModels.Vgg13(),
            _ => TransferModels.Vgg16(),
        };
        return builder.FromBackbone(fresh).CarryOver(TransferredLayers.ConvOnly).Classes(2).Head(FaceDatasets.Valence).Build();
    }

    private ITorchvisionConvNet Create(string arch, int classes) => arch switch
    {
        "AlexNet" => new AlexNet(classes, Options.Width),
        "VGG11" => new Vgg(11, classes, Options.Width, Options.VggBatchNorm),
        "VGG13" => new Vgg(13, classes, Options.Width, Options.VggBatchNorm),
        _ => new Vgg(16, classes, Options.Width, Options.VggBatchNorm),
    };

    private double? TargetOf(FacePretraining pretraining) => pretraining switch
    {
        FacePretraining.Object => Options.ObjectTargetAccuracy,
        FacePretraining.Face => Options.FaceTargetAccuracy,
        _ => null,
    };

    /// <summary>The backbone a model is built on (AlexNet for FE-AlexNet and Ungated-AlexNet).</summary>
    public static string ArchitectureOf(string model) => model is "FE-AlexNet" or "Ungated-AlexNet" ? "AlexNet" : model;

    /// <summary>
    /// Resizes <paramref name="count"/> object images to <paramref name="size"/> (bilinear) and replicates grey to 3
    /// channels: the first ones, or a random subset drawn with <paramref name="seed"/> (a different subset per seed).
    /// </summary>
    public static LabeledImages ObjectsAsRgb(LabeledImages objects, int size, int count, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        using var subset = seed is { } s ? objects.Subset(RandomSubset(objects.Count, count, s)) : objects.Take(count);
        using var scope = NewDisposeScope();
        var x = subset.Images.to(ScalarType.Float32);
        x = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        if (x.shape[1] == 1) x = x.expand(-1, 3, -1, -1);
        var bytes = x.clamp(0, 255).round().to(ScalarType.Byte).contiguous().DetachFromDisposeScope();
        var labels = subset.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        return new LabeledImages(objects.Name + $"/rgb{size}", bytes, labels, objects.ClassNames.ToDictionary(kv => kv.Key, kv => kv.Value), objects.Source);
    }

    // count distinct indices of [0, n) in a seeded random order (a partial Fisher-Yates shuffle)
    private static long[] RandomSubset(long n, int count, int seed)
    {
        var idx = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        var rng = new Random(seed);
        int k = (int)Math.Min(count, n);
        for (int i = 0; i < k; i++)
        {
            int j = rng.Next(i, idx.Length);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        return idx[..k];
    }

    /// <summary>Summarises per-seed results: rows with CIs over seeds, probe table, paired differences against AlexNet.</summary>
    public static FaceAttentionReport Summarize(FaceAttentionExperimentOptions options, IReadOnlyList<FaceAttentionSeedResult> results, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        static MeanInterval? Ci(IEnumerable<double> values)
        {
            var v = values.Where(d => !double.IsNaN(d)).ToList();
            return v.Count == 0 ? null : Statistics.MeanCi(v);
        }
        var rows = new List<FaceAttentionRow>();
        var table = new ResultTable("face-attention");
        foreach (var pt in options.Pretrainings)
            foreach (var model in options.Models)
            {
                var rs = results.Where(r => r.Pretraining == pt && r.Model == model).OrderBy(r => r.Seed).ToList();
                if (rs.Count == 0) continue;
                foreach (var occ in options.Occlusions)
                {
                    var fits = rs.Select(r => r.Curve(occ)).OfType<PsychometricCurveFit>().ToList();
                    // one pre-trained network for all seeds: its accuracy once, its probe over folds
                    var pretrainAcc = options.PretrainPerSeed ? Ci(rs.Select(r => r.PretrainAccuracy)) : Ci(rs.Take(1).Select(r => r.PretrainAccuracy));
                    var probe = options.PretrainPerSeed ? Ci(rs.Select(r => r.LastLayerProbe)) : Ci(rs[0].Probes[^1].FoldAccuracies);
                    double? target = pt switch { FacePretraining.Object => options.ObjectTargetAccuracy, FacePretraining.Face => options.FaceTargetAccuracy, _ => null };
                    var pretrained = options.PretrainPerSeed ? rs : rs.Take(1).ToList();
                    var epochs = pt == FacePretraining.RandomInit ? null : Ci(pretrained.Select(r => (double)r.PretrainEpochs));
                    int? reached = target is { } t && pt != FacePretraining.RandomInit ? pretrained.Count(r => r.PretrainAccuracy >= t) : null;
                    rows.Add(new FaceAttentionRow(pt, model, occ, rs.Count, pretrainAcc, probe!,
                        Ci(rs.Select(r => r.TransferAccuracy))!, PsychometricCurves.AcrossSeeds(fits), epochs, reached));
                }
                foreach (var r in rs)
                {
                    var c = r.Curve(options.Occlusions[0]);
                    var metrics = new Dictionary<string, double>
                    {
                        ["pre-training accuracy"] = r.PretrainAccuracy, ["pre-training epochs"] = r.Pretraining == FacePretraining.RandomInit ? double.NaN : r.PretrainEpochs,
                        ["probe accuracy (last conv)"] = r.LastLayerProbe,
                        ["transfer validation accuracy"] = r.TransferValidationAccuracy, ["transfer accuracy"] = r.TransferAccuracy,
                        ["PSE"] = c?.Pse ?? double.NaN, ["slope"] = c?.Slope ?? double.NaN, ["fitted"] = c?.Fitted == true ? 1 : 0,
                    };
                    // not measured (random init has no pre-training accuracy; "no fit" has no PSE): left out, not NaN
                    table.Add($"{model} ({FaceAttentionReport.Describe(pt)})", options.Occlusions[0].ToString(), r.Seed,
                        metrics.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value));
                }
            }
        table.PercentMetrics.UnionWith(["pre-training accuracy", "probe accuracy (last conv)", "transfer validation accuracy", "transfer accuracy"]);

        var probeRows = new List<FaceProbeRow>();
        foreach (var pt in options.Pretrainings)
            foreach (var arch in options.Models.Select(ArchitectureOf).Distinct())
            {
                // one probe per pre-trained backbone: over seeds when every seed pre-trains, else over the one network's folds
                var perSeed = results.Where(r => r.Pretraining == pt && r.Architecture == arch).GroupBy(r => r.Seed).Select(g => g.First()).ToList();
                if (perSeed.Count == 0) continue;
                foreach (var layer in perSeed[0].Probes.Select(p => p.Layer))
                    probeRows.Add(new FaceProbeRow(pt, arch, layer, options.PretrainPerSeed
                        ? Statistics.MeanCi(perSeed.Select(r => r.Probes.First(p => p.Layer == layer).Accuracy).ToList())
                        : Statistics.MeanCi(perSeed[0].Probes.First(p => p.Layer == layer).FoldAccuracies.ToList())));
            }

        var paired = new List<FacePairedRow>();
        var pairs = new[] { ("FE-AlexNet", "AlexNet"), ("Ungated-AlexNet", "AlexNet"), ("FE-AlexNet", "Ungated-AlexNet") };
        var accuracyRows = new List<int>();
        foreach (var pt in options.Pretrainings)
            foreach (var (cand, reference) in pairs)
            {
                var a = results.Where(r => r.Pretraining == pt && r.Model == cand).ToDictionary(r => r.Seed);
                var b = results.Where(r => r.Pretraining == pt && r.Model == reference).ToDictionary(r => r.Seed);
                if (a.Count == 0 || b.Count == 0) continue;
                var seeds = a.Keys.Intersect(b.Keys).Order().ToList();
                string name = $"{cand} - {reference}";
                accuracyRows.Add(paired.Count);
                paired.Add(Pair(pt, "transfer accuracy", name, seeds.Select(s => (a[s].TransferAccuracy, b[s].TransferAccuracy)).ToList()));
                var occ = options.Occlusions[0];
                var both = seeds.Where(s => a[s].Curve(occ)?.Fitted == true && b[s].Curve(occ)?.Fitted == true).ToList();
                paired.Add(Pair(pt, "PSE", name, both.Select(s => (a[s].Curve(occ)!.Pse!.Value, b[s].Curve(occ)!.Pse!.Value)).ToList(), seeds.Count));
                paired.Add(Pair(pt, "slope", name, both.Select(s => (a[s].Curve(occ)!.Slope!.Value, b[s].Curve(occ)!.Slope!.Value)).ToList(), seeds.Count));
            }
        var withComparison = accuracyRows.Where(i => paired[i].Comparison is not null).ToList();
        if (withComparison.Count > 0)
        {
            var holm = Statistics.WithHolm(withComparison.Select(i => paired[i].Comparison!).ToList());
            for (int k = 0; k < withComparison.Count; k++) paired[withComparison[k]] = paired[withComparison[k]] with { Comparison = holm[k] };
        }
        return new FaceAttentionReport(options, results, rows, probeRows, paired, table, elapsed);
    }

    private static FacePairedRow Pair(FacePretraining pt, string metric, string name, List<(double A, double B)> values, int? seeds = null)
    {
        if (values.Count < 2)
            return new FacePairedRow(pt, metric, null, $"{name}: {values.Count} of {seeds ?? values.Count} seeds fitted for both");
        return new FacePairedRow(pt, metric, Statistics.Paired(values.Select(v => v.A).ToList(), values.Select(v => v.B).ToList(), name), null);
    }
}
