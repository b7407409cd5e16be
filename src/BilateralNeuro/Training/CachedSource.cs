using BilateralNeuro.Core;
using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// Named feature tensors of a whole set (e.g. the two frozen hemispheres' features, or a frozen trunk's output),
/// computed once in evaluation mode without autograd or augmentation, with the set's labels; served in batches like
/// images. Training a head on it never runs the frozen part again. Epoch <c>e</c>'s order depends only on (seed, e).
/// </summary>
public sealed class CachedSource : IBatchSource, IDisposable
{
    private readonly Dictionary<string, Tensor> features;
    private readonly Dictionary<string, Tensor> labels;
    private readonly bool owns;

    /// <summary>Wraps features and labels (takes ownership; all share their first dimension).</summary>
    /// <param name="name">Name of the source set.</param>
    /// <param name="features">Named features (N, ...); the first is the batch's primary input.</param>
    /// <param name="labels">Labels per level (N, ...).</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Shuffle each epoch.</param>
    /// <param name="seed">Seed of the order.</param>
    /// <param name="device">Where batches are placed (default: where the features are).</param>
    public CachedSource(string name, IReadOnlyDictionary<string, Tensor> features, IReadOnlyDictionary<string, Tensor> labels,
        int batchSize = 256, bool shuffle = false, int seed = 0, Device? device = null)
        : this(name, features?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? throw new ArgumentNullException(nameof(features)),
            labels?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? throw new ArgumentNullException(nameof(labels)), batchSize, shuffle, seed, device, owns: true)
    {
    }

    private CachedSource(string name, Dictionary<string, Tensor> features, Dictionary<string, Tensor> labels, int batchSize, bool shuffle, int seed, Device? device, bool owns)
    {
        if (features.Count == 0) throw new ArgumentException("CachedSource: at least one feature tensor is required.", nameof(features));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "CachedSource: batch size must be positive.");
        long n = features.Values.First().shape[0];
        foreach (var (k, t) in features.Concat(labels))
            if (t.shape[0] != n) throw new ArgumentException($"CachedSource: '{k}' has {t.shape[0]} rows but the first feature has {n}.", nameof(features));
        Name = name;
        this.features = features;
        this.labels = labels;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Device = device ?? features.Values.First().device;
        this.owns = owns;
    }

    /// <inheritdoc />
    public string Name { get; }
    /// <inheritdoc />
    public long Count => features.Values.First().shape[0];
    /// <inheritdoc />
    public int BatchSize { get; }
    /// <inheritdoc />
    public bool Shuffle { get; }
    /// <summary>Seed of the order.</summary>
    public int Seed { get; }
    /// <summary>Where batches are placed.</summary>
    public Device Device { get; }
    /// <inheritdoc />
    public int BatchesPerEpoch => (int)((Count + BatchSize - 1) / BatchSize);
    /// <summary>The named features (N, ...).</summary>
    public IReadOnlyDictionary<string, Tensor> Features => features;
    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Labels => labels;
    /// <summary>The primary feature tensor (the first).</summary>
    public Tensor Primary => features.Values.First();

    /// <summary>
    /// A view of the same tensors with other batching (e.g. shuffled training batches of a cache computed in order). The
    /// view does not own the tensors: dispose the original only.
    /// </summary>
    public CachedSource Batched(int batchSize, bool shuffle, int seed = 0, Device? device = null) =>
        new(Name, features, labels, batchSize, shuffle, seed, device ?? Device, owns: false);

    /// <inheritdoc />
    public IEnumerable<long[]> IndexBatches(int epoch)
    {
        var order = Enumerable.Range(0, (int)Count).Select(i => (long)i).ToArray();
        if (Shuffle) new Random(StableSeed.Of(Seed, epoch, 0x5eed)).Shuffle(order);
        for (int start = 0; start < order.Length; start += BatchSize)
            yield return order[start..Math.Min(order.Length, start + BatchSize)];
    }

    /// <inheritdoc />
    public Batch Load(long[] indices, bool augment)
    {
        var store = Primary.device;
        var idx = torch.tensor(indices, ScalarType.Int64).to(store);
        var inputs = features.ToDictionary(kv => kv.Key, kv => kv.Value.index_select(0, idx).to(Device));
        var y = labels.ToDictionary(kv => kv.Key, kv => kv.Value.index_select(0, idx).to(Device));
        return new Batch(inputs.Values.First(), y) { Inputs = inputs };
    }

    /// <summary>
    /// Runs <paramref name="compute"/> (named features of a batch of images) over every batch of <paramref name="source"/>
    /// in order with <paramref name="model"/> in evaluation mode without autograd (<see cref="Trainer.Predict(nn.Module, IBatchSource, Func{Batch, IReadOnlyDictionary{string, Tensor}}, bool)"/>).
    /// </summary>
    /// <param name="model">The frozen module behind <paramref name="compute"/>.</param>
    /// <param name="compute">Named features of a batch's images.</param>
    /// <param name="source">Images in order (must not shuffle).</param>
    /// <param name="onCpu">Store the features on the CPU (large caches); else where the source places batches.</param>
    public static CachedSource Compute(nn.Module model, Func<Tensor, IReadOnlyDictionary<string, Tensor>> compute, BatchSource source, bool onCpu = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(source);
        var features = Trainer.Predict(model, source, b => compute(b.Images), toCpu: onCpu);
        var where = onCpu ? CPU : source.Device;
        var labels = source.Data.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.to(where).clone());
        return new CachedSource(source.Data.Name, features, labels, source.BatchSize, shuffle: false, seed: source.Seed, device: source.Device, owns: true);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!owns) return;
        foreach (var t in features.Values.Concat(labels.Values)) t.Dispose();
    }
}

/// <summary>
/// Composed multi-object images with their object masks and k-hot labels (<see cref="MultiObjectSet"/>) served in
/// batches: labels under <c>labels</c>, masks as the input <c>masks</c>. Epoch <c>e</c>'s order depends only on (seed, e).
/// </summary>
public sealed class MultiObjectSource : IBatchSource
{
    /// <summary>Label level (and output name) of the k-hot labels.</summary>
    public const string LabelLevel = "labels";
    /// <summary>Input name of the object masks.</summary>
    public const string MasksInput = "masks";

    /// <summary>Creates a source.</summary>
    public MultiObjectSource(MultiObjectSet set, int batchSize, bool shuffle = true, int seed = 0, Device? device = null)
    {
        Set = set ?? throw new ArgumentNullException(nameof(set));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "MultiObjectSource: batch size must be positive.");
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Device = device ?? CPU;
        Labels = new Dictionary<string, Tensor> { [LabelLevel] = set.Labels };
    }

    /// <summary>The set.</summary>
    public MultiObjectSet Set { get; }
    /// <inheritdoc />
    public string Name => Set.Name;
    /// <inheritdoc />
    public long Count => Set.Count;
    /// <inheritdoc />
    public int BatchSize { get; }
    /// <inheritdoc />
    public bool Shuffle { get; }
    /// <summary>Seed of the order.</summary>
    public int Seed { get; }
    /// <summary>Where batches are placed.</summary>
    public Device Device { get; }
    /// <inheritdoc />
    public int BatchesPerEpoch => (int)((Count + BatchSize - 1) / BatchSize);
    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Labels { get; }

    /// <inheritdoc />
    public IEnumerable<long[]> IndexBatches(int epoch)
    {
        var order = Enumerable.Range(0, (int)Count).Select(i => (long)i).ToArray();
        if (Shuffle) new Random(StableSeed.Of(Seed, epoch)).Shuffle(order);
        for (int start = 0; start < order.Length; start += BatchSize)
            yield return order[start..Math.Min(order.Length, start + BatchSize)];
    }

    /// <inheritdoc />
    public Batch Load(long[] indices, bool augment)
    {
        var idx = torch.tensor(indices, ScalarType.Int64);
        var masks = Set.Masks.index_select(0, idx).to(Device);
        return new Batch(Set.Images.index_select(0, idx).to(Device), new Dictionary<string, Tensor> { [LabelLevel] = Set.Labels.index_select(0, idx).to(Device) })
        {
            Inputs = new Dictionary<string, Tensor> { [MasksInput] = masks },
        };
    }
}
