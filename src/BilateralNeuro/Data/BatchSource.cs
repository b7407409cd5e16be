using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>
/// One materialised batch: the primary input (float images, or cached features) on the device, labels per level, and
/// further named inputs (e.g. the two hemispheres' cached features, or object masks).
/// </summary>
public sealed record Batch(Tensor Images, IReadOnlyDictionary<string, Tensor> Labels)
{
    private static readonly IReadOnlyDictionary<string, Tensor> None = new Dictionary<string, Tensor>();

    /// <summary>Number of samples.</summary>
    public long Size => Images.shape[0];

    /// <summary>Further named inputs of the batch (empty for plain image batches).</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs { get; init; } = None;

    /// <summary>The named input <paramref name="name"/>; throws naming the inputs the batch has.</summary>
    public Tensor Input(string name) => Inputs.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"Batch: no input '{name}' (has [{string.Join(", ", Inputs.Keys)}]).");
}

/// <summary>
/// Cuts batches from a <see cref="LabeledImages"/> set by index. A seeded shuffle yields index batches
/// (<see cref="IndexBatches"/>); <see cref="Load"/> turns one into tensors with a single gather, conversion,
/// augmentation and normalisation over the whole batch. Call <see cref="Load"/> inside the step's dispose scope.
/// Epoch <c>e</c>'s order and augmentation depend only on (seed, e), so a resumed run sees the same batches.
/// </summary>
public sealed class BatchSource : IBatchSource
{
    private readonly Tensor mean, std;
    private readonly Generator generator;

    /// <summary>Creates a source.</summary>
    public BatchSource(LabeledImages data, int batchSize, Device? device = null, Normalization? normalization = null,
        Augmentation? augmentation = null, bool shuffle = true, int seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        Data = data;
        BatchSize = batchSize;
        Device = device ?? CPU;
        Normalization = normalization ?? Normalization.None((int)data.Channels);
        if (Normalization.Mean.Length != data.Channels || Normalization.Std.Length != data.Channels)
            throw new ArgumentException($"{nameof(BatchSource)}: normalisation has {Normalization.Mean.Length} means / {Normalization.Std.Length} stds for images with {data.Channels} channels.", nameof(normalization));
        Augmentation = augmentation ?? Augmentation.None;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        mean = torch.tensor(Normalization.Mean.Select(v => (float)v).ToArray()).reshape(1, -1, 1, 1).to(Device).DetachFromDisposeScope();
        std = torch.tensor(Normalization.Std.Select(v => (float)v).ToArray()).reshape(1, -1, 1, 1).to(Device).DetachFromDisposeScope();
        generator = new Generator((ulong)seed, Device.type == DeviceType.CUDA ? CPU : Device);
    }

    /// <summary>The underlying set.</summary>
    public LabeledImages Data { get; }
    /// <inheritdoc />
    public string Name => Data.Name;
    /// <inheritdoc />
    public long Count => Data.Count;
    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Labels => Data.Labels;
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Where batches are placed.</summary>
    public Device Device { get; }
    /// <summary>Normalisation applied to every batch.</summary>
    public Normalization Normalization { get; }
    /// <summary>Augmentation applied by <see cref="Load"/> when <c>augment</c> is true.</summary>
    public Augmentation Augmentation { get; }
    /// <summary>Whether epochs are shuffled.</summary>
    public bool Shuffle { get; }
    /// <summary>Seed of the order and augmentation.</summary>
    public int Seed { get; }
    /// <summary>Whether a last partial batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>
    /// Optional transform of every loaded batch, applied after augmentation and before normalisation: it receives the
    /// float32 images (N, C, H, W) in [0, 1] on <see cref="Device"/> and returns (N, C, H', W') (same N and C; the size
    /// may change). Use <see cref="BatchTransforms.Resize"/> to feed 28-px Fashion-MNIST to a network with a larger
    /// minimum input (e.g. AlexNet, 63 px), or <see cref="BatchTransforms.PerSample"/> to run any per-image function.
    /// Evaluation batches go through it too.
    /// </summary>
    public Func<Tensor, Tensor>? Transform { get; init; }

    /// <summary>Number of batches per epoch.</summary>
    public int BatchesPerEpoch => (int)(DropLast ? Data.Count / BatchSize : (Data.Count + BatchSize - 1) / BatchSize);

    /// <summary>The index batches of one epoch (deterministic in seed and epoch). Also reseeds the augmentation.</summary>
    public IEnumerable<long[]> IndexBatches(int epoch)
    {
        var order = Enumerable.Range(0, (int)Data.Count).Select(i => (long)i).ToArray();
        if (Shuffle) new Random(StableSeed.Of(Seed, epoch, 0x5eed)).Shuffle(order);
        generator.manual_seed(StableSeed.Of(Seed, epoch, 0xa06));
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            int len = Math.Min(BatchSize, order.Length - start);
            if (DropLast && len < BatchSize) yield break;
            yield return order[start..(start + len)];
        }
    }

    /// <summary>Materialises a batch: gather, to float on the device, optional augmentation, normalisation.</summary>
    public Batch Load(long[] indices, bool augment)
    {
        using var idx = torch.tensor(indices, ScalarType.Int64);
        var x = Data.Images.index_select(0, idx).to(Device).to(ScalarType.Float32).div_(255f);
        if (augment && !Augmentation.IsNone) x = Augment(x);
        if (Transform is { } transform)
        {
            var y = transform(x);
            if (y.dim() != 4 || y.shape[0] != x.shape[0] || y.shape[1] != x.shape[1])
                throw new InvalidOperationException($"{nameof(BatchSource)}.{nameof(Transform)}: returned shape [{string.Join(", ", y.shape)}] for a batch of shape " +
                    $"[{string.Join(", ", x.shape)}]; expected (N, C, H', W') with the same N and C.");
            x = y.to(ScalarType.Float32);
        }
        x = x.sub_(mean).div_(std);
        var labels = Data.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.index_select(0, idx).to(Device));
        return new Batch(x, labels);
    }

    private Tensor Augment(Tensor x)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        if (Augmentation.CropPadding > 0)
        {
            int p = Augmentation.CropPadding;
            var padded = F.pad(x, [p, p, p, p], PaddingModes.Reflect);
            var dy = torch.randint(0, 2 * p + 1, [n, 1], generator: generator, dtype: ScalarType.Int64).to(Device);
            var dx = torch.randint(0, 2 * p + 1, [n, 1], generator: generator, dtype: ScalarType.Int64).to(Device);
            var rows = (dy + torch.arange(h, device: Device)).reshape(n, 1, h, 1).expand(n, x.shape[1], h, w + 2 * p);
            var cols = (dx + torch.arange(w, device: Device)).reshape(n, 1, 1, w).expand(n, x.shape[1], h, w);
            x = padded.gather(2, rows).gather(3, cols);
        }
        if (Augmentation.HorizontalFlip)
        {
            var flip = (torch.rand([n], generator: generator) < 0.5).to(Device).reshape(n, 1, 1, 1);
            x = torch.where(flip, x.flip(3), x);
        }
        return x;
    }
}

/// <summary>Ready-made <see cref="BatchSource.Transform"/> functions.</summary>
public static class BatchTransforms
{
    /// <summary>Bilinear resize of every image to <paramref name="height"/> x <paramref name="width"/> (e.g. 28 → 64 px for AlexNet).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static Func<Tensor, Tensor> Resize(int height, int width)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "BatchTransforms.Resize: height must be at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "BatchTransforms.Resize: width must be at least 1.");
        return x => F.interpolate(x, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    /// <summary>
    /// Applies <paramref name="perImage"/> to each image (C, H, W) of the batch and stacks the results: any per-sample
    /// transform, at the cost of one call per image. Every result must have the same shape.
    /// </summary>
    public static Func<Tensor, Tensor> PerSample(Func<Tensor, Tensor> perImage)
    {
        ArgumentNullException.ThrowIfNull(perImage);
        return x => torch.stack(Enumerable.Range(0, (int)x.shape[0]).Select(i => perImage(x[i])).ToArray());
    }
}
