using System.Globalization;
using BilateralNeuro.Backbones;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Experiments;

/// <summary>One line of a <see cref="BilateralCostEstimate"/>: a model (per seed), its forward FLOPs per image and its total FLOPs.</summary>
/// <param name="Model">What is trained (e.g. "stage 1, 2 hemispheres").</param>
/// <param name="ForwardFlopsPerImage">Forward FLOPs of one image (2 per multiply-add, convolutions and linear layers only).</param>
/// <param name="Flops">Total FLOPs of this item over all seeds of the run.</param>
/// <param name="Seeds">Seeds this item is trained for, when fewer than the run's (the VGG-11 rows of <see cref="BilateralExperimentOptions.Vgg11Seeds"/>); null: every seed.</param>
public sealed record BilateralCostItem(string Model, double ForwardFlopsPerImage, double Flops, int? Seeds = null);

/// <summary>
/// The estimated compute of a <see cref="BilateralExperiment"/> run (what <c>--dry-run</c> prints): FLOPs per image
/// (counted by one forward pass with hooks on every convolution and linear layer) × images × epochs × models, with a
/// training step taken as 3 forward passes (forward + backward), validation passes every epoch, stage 2 through frozen
/// hemispheres as one forward pass per image (cached: one pass over the data in all), converted to hours at a stated
/// sustained throughput. An order of magnitude to plan a job with, not a measurement.
/// </summary>
public sealed record BilateralCostEstimate(IReadOnlyList<BilateralCostItem> Items, int Seeds, double GpuFlopsPerSecond, double CpuFlopsPerSecond)
{
    /// <summary>Assumed sustained GPU throughput: 8 TFLOP/s (fp32 on a V100/A100-class GPU at roughly half its peak for small 32-px convnets).</summary>
    public const double DefaultGpuFlopsPerSecond = 8e12;
    /// <summary>Assumed sustained CPU throughput: 200 GFLOP/s (a many-core AVX2 server at roughly a third of its peak).</summary>
    public const double DefaultCpuFlopsPerSecond = 2e11;

    /// <summary>Total FLOPs of the run.</summary>
    public double TotalFlops => Items.Sum(i => i.Flops);
    /// <summary>Estimated GPU hours at <see cref="GpuFlopsPerSecond"/>.</summary>
    public double GpuHours => TotalFlops / GpuFlopsPerSecond / 3600;
    /// <summary>Estimated CPU hours at <see cref="CpuFlopsPerSecond"/>.</summary>
    public double CpuHours => TotalFlops / CpuFlopsPerSecond / 3600;

    /// <summary>Human-readable lines: one per item, then the totals with the throughput assumptions.</summary>
    public IReadOnlyList<string> Lines()
    {
        var ic = CultureInfo.InvariantCulture;
        var lines = Items.Select(i => string.Create(ic, $"{i.Model}: {i.ForwardFlopsPerImage / 1e6:F1} MFLOP forward per image, {Flops(i.Flops)} over {i.Seeds ?? Seeds} seed(s)")).ToList();
        lines.Add(string.Create(ic, $"estimated compute: {Flops(TotalFlops)} = about {Hours(GpuHours)} GPU hours at {GpuFlopsPerSecond / 1e12:G3} TFLOP/s sustained, or {Hours(CpuHours)} CPU hours at {CpuFlopsPerSecond / 1e9:G3} GFLOP/s sustained (assumed throughputs, not measured; data loading and augmentation not counted)"));
        return lines;
    }

    private static string Flops(double f) =>
        f >= 1e15 ? (f / 1e15).ToString("F2", CultureInfo.InvariantCulture) + " PFLOP"
        : f >= 1e12 ? (f / 1e12).ToString("F2", CultureInfo.InvariantCulture) + " TFLOP"
        : (f / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " GFLOP";

    private static string Hours(double h) => h.ToString(h >= 10 ? "F0" : h >= 0.1 ? "F1" : "F3", CultureInfo.InvariantCulture);

    /// <summary>Estimates the run of <paramref name="options"/> on a training set of <paramref name="trainImages"/> images.</summary>
    /// <param name="options">The experiment options (validated here).</param>
    /// <param name="trainImages">Training images before <see cref="BilateralExperimentOptions.TrainLimit"/> (CIFAR-100: 50 000).</param>
    /// <param name="testImages">Test images before <see cref="BilateralExperimentOptions.TestLimit"/> (CIFAR-100: 10 000).</param>
    /// <param name="channels">Image channels.</param>
    /// <param name="imageSize">Image side in pixels.</param>
    /// <param name="fineClasses">Fine classes.</param>
    /// <param name="coarseClasses">Coarse classes.</param>
    /// <param name="gpuFlopsPerSecond">Assumed sustained GPU throughput.</param>
    /// <param name="cpuFlopsPerSecond">Assumed sustained CPU throughput.</param>
    public static BilateralCostEstimate For(BilateralExperimentOptions options, int trainImages = 50_000, int testImages = 10_000,
        int channels = 3, int imageSize = 32, int fineClasses = 100, int coarseClasses = 20,
        double gpuFlopsPerSecond = DefaultGpuFlopsPerSecond, double cpuFlopsPerSecond = DefaultCpuFlopsPerSecond)
    {
        Core.OptionsValidation.ThrowIfInvalid(options, new BilateralExperimentOptionsValidator());
        if (trainImages < 1 || testImages < 1) throw new ArgumentOutOfRangeException(nameof(trainImages), "BilateralCostEstimate: image counts must be positive.");
        int seeds = options.Seeds.Count;
        double all = Math.Min(trainImages, options.TrainLimit ?? int.MaxValue);
        double nVal = Math.Round(all * options.ValidationFraction), nTrain = all - nVal;
        double nTest = Math.Min(testImages, options.TestLimit ?? int.MaxValue);
        int heads = fineClasses + coarseClasses;

        double hemi = ForwardFlops(options.Backbone == BackboneKind.Vgg11
            ? Hemisphere.From(new OriginalVgg11(channels, options.Width))
            : Hemisphere.ResNet9().Width(options.Width).InputChannels(channels).Build(), channels, imageSize, out int features);
        double uni = hemi + 2.0 * features * heads;
        double bilateral = 2 * hemi + 2.0 * 2 * features * heads;

        var items = new List<BilateralCostItem>();
        double Train(double forward, int epochs) => epochs * (3 * forward * nTrain + forward * nVal) + forward * nTest;
        foreach (var p in options.CompareProtocols ? new[] { options.Protocol, Other(options.Protocol) } : new[] { options.Protocol })
        {
            var t = options.Training.ForProtocol(p);
            string name = $"specialised bilateral {BilateralExperiment.HemisphereName(options.Backbone)} ({p.Name()})";
            items.Add(new($"{name}, stage 1 (2 hemispheres, {t.Stage1.Epochs} epochs)", hemi, seeds * 2 * Train(hemi + 2.0 * features * fineClasses, t.Stage1.Epochs)));
            double stage2 = t.CacheFeatures
                ? bilateral * (nTrain + nVal) + t.Stage2.Epochs * 3 * 2.0 * 2 * features * heads * nTrain + bilateral * nTest
                : t.Stage2.Epochs * bilateral * (nTrain + nVal) + bilateral * nTest;
            items.Add(new($"{name}, stage 2 ({t.Stage2.Epochs} epochs{(t.CacheFeatures ? ", cached features" : ", through the frozen hemispheres")})", bilateral, seeds * stage2));
            if (p == options.Protocol && t.Stage3.Epochs > 0)
                items.Add(new($"{name}, stage 3 ({t.Stage3.Epochs} epochs)", bilateral, seeds * Train(bilateral, t.Stage3.Epochs)));
        }
        var e2e = options.Training.ForProtocol(options.Protocol).EndToEnd.Epochs;
        if (options.BilateralEndToEnd) items.Add(new($"bilateral end to end ({e2e} epochs)", bilateral, seeds * Train(bilateral, e2e)));
        foreach (var (kind, on) in new[] { (BackboneKind.ResNet18, options.ResNet18), (BackboneKind.ResNet34, options.ResNet34) })
        {
            if (!on) continue;
            double f = ForwardFlops(new HemisphereBuilder().Kind(kind).Width(options.Width).InputChannels(channels).Build(), channels, imageSize, out int fs) + 2.0 * fs * heads;
            items.Add(new($"{BackboneRegistry.DisplayName(kind)} ({e2e} epochs)", f, seeds * Train(f, e2e)));
        }
        items.Add(new($"ensemble pool: {options.EnsemblePool} unilateral {BilateralExperiment.HemisphereName(options.Backbone)} ({e2e} epochs each)", uni,
            seeds * options.EnsemblePool * Train(uni, e2e) + seeds * options.EnsembleSizes.Sum() * uni * (nTest + nVal)));
        if (options.WithVgg11)
        {
            var t = options.Training.ForProtocol(options.Protocol);
            double vgg = ForwardFlops(Hemisphere.From(new OriginalVgg11(channels, options.Vgg11Width ?? options.Width)), channels, imageSize, out int vf);
            double vggBilateral = 2 * vgg + 2.0 * 2 * vf * heads, vggUni = vgg + 2.0 * vf * heads;
            double stage2 = t.CacheFeatures
                ? vggBilateral * (nTrain + nVal) + t.Stage2.Epochs * 3 * 2.0 * 2 * vf * heads * nTrain + vggBilateral * nTest
                : t.Stage2.Epochs * vggBilateral * (nTrain + nVal) + vggBilateral * nTest;
            int vggSeeds = options.Seeds.Count(options.TrainsVgg11Rows);
            int? itemSeeds = vggSeeds == seeds ? null : vggSeeds;
            items.Add(new($"VGG-11 rows: specialised bilateral ({options.Protocol.Name()}), stages 1 and 2", vgg,
                vggSeeds * (2 * Train(vgg + 2.0 * vf * fineClasses, t.Stage1.Epochs) + stage2), itemSeeds));
            items.Add(new($"VGG-11 rows: {(options.BilateralEndToEnd ? "bilateral end to end and " : "")}unilateral ({e2e} epochs)", vggUni,
                vggSeeds * ((options.BilateralEndToEnd ? Train(vggBilateral, e2e) : 0) + Train(vggUni, e2e)), itemSeeds));
        }
        return new BilateralCostEstimate(items, seeds, gpuFlopsPerSecond, cpuFlopsPerSecond);
    }

    /// <summary>Estimates the run of <paramref name="options"/> on loaded data (sizes, channels and classes read from the sets).</summary>
    public static BilateralCostEstimate For(BilateralExperimentOptions options, Data.LabeledImages train, Data.LabeledImages test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        return For(options, (int)train.Count, (int)test.Count, (int)train.Channels, (int)Math.Max(train.Height, train.Width),
            train.ClassCount(Data.LabelLevels.Fine), train.ClassCount(Data.LabelLevels.Coarse));
    }

    private static TrainingProtocol Other(TrainingProtocol p) => p == TrainingProtocol.Clean ? TrainingProtocol.Original : TrainingProtocol.Clean;

    /// <summary>
    /// Forward FLOPs of one image through <paramref name="module"/> (2 per multiply-add of every Conv2d and Linear module
    /// called; <see cref="OriginalVgg11"/>'s folded fc6 on a 1×1 trunk is a functional product of channels × fc6 width
    /// multiply-adds and is not counted: about 1 % of that hemisphere's FLOPs); disposes the module.
    /// </summary>
    private static double ForwardFlops(Hemisphere module, int channels, int size, out int featureSize)
    {
        using var m = module;
        featureSize = m.FeatureSize;
        double macs = 0;
        var hooks = new List<nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover>();
        foreach (var layer in m.modules())
        {
            if (layer is Conv2d conv)
                hooks.Add(conv.register_forward_hook((_, _, output) => { macs += output.numel() * (double)(conv.weight!.numel() / conv.weight.shape[0]); return output; }));
            else if (layer is Linear linear)
                hooks.Add(linear.register_forward_hook((_, _, output) => { macs += output.numel() * (double)linear.weight!.shape[1]; return output; }));
        }
        try
        {
            m.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            m.call(zeros(1, channels, size, size));
        }
        finally
        {
            foreach (var h in hooks) h.remove();
        }
        return 2 * macs;
    }
}
