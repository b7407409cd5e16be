using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>Well-known label-level names.</summary>
public static class LabelLevels
{
    /// <summary>Specific labels (CIFAR-100's 100 classes, Fashion-MNIST's 10).</summary>
    public const string Fine = "fine";
    /// <summary>General labels (CIFAR-100's 20 superclasses, the Fashion-MNIST hierarchy's 4 groups).</summary>
    public const string Coarse = "coarse";
}

/// <summary>
/// A labelled image set kept as ONE uint8 tensor (N, C, H, W) on the CPU plus one int64 label tensor (N) per label
/// level (multi-label tasks may use float (N, K) k-hot tensors). Batches are cut from it by index, never per sample.
/// </summary>
public sealed class LabeledImages : IDisposable
{
    private readonly Dictionary<string, Tensor> labels;
    private readonly Dictionary<string, IReadOnlyList<string>> classNames;

    /// <summary>Creates a set; takes ownership of the tensors.</summary>
    /// <exception cref="ArgumentException">Shapes or dtypes disagree.</exception>
    public LabeledImages(string name, Tensor images, IReadOnlyDictionary<string, Tensor> labels,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? classNames = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.dtype != ScalarType.Byte)
            throw new ArgumentException($"{nameof(LabeledImages)} '{name}': expected images as a uint8 tensor (N, C, H, W), got {images.dtype} {Core.Guard.Describe(images)}.", nameof(images));
        foreach (var (level, t) in labels)
            if (t.shape.Length == 0 || t.shape[0] != images.shape[0])
                throw new ArgumentException($"{nameof(LabeledImages)} '{name}': label level '{level}' has {Core.Guard.Describe(t)} entries for {images.shape[0]} images.", nameof(labels));
        Name = name;
        Images = images;
        this.labels = new Dictionary<string, Tensor>(labels);
        this.classNames = classNames is null ? new() : new Dictionary<string, IReadOnlyList<string>>(classNames);
        Source = source ?? "in memory";
    }

    /// <summary>A short name, e.g. <c>fashion-mnist/train</c>.</summary>
    public string Name { get; }
    /// <summary>Where the data came from (a path, or "embedded").</summary>
    public string Source { get; }
    /// <summary>uint8 images (N, C, H, W).</summary>
    public Tensor Images { get; }
    /// <summary>Labels per level.</summary>
    public IReadOnlyDictionary<string, Tensor> Labels => labels;
    /// <summary>Class names per level (may be empty).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ClassNames => classNames;
    /// <summary>Number of images.</summary>
    public long Count => Images.shape[0];
    /// <summary>Channels per image.</summary>
    public long Channels => Images.shape[1];
    /// <summary>Image height.</summary>
    public long Height => Images.shape[2];
    /// <summary>Image width.</summary>
    public long Width => Images.shape[3];

    /// <summary>Number of classes at a level (from the names, else max label + 1).</summary>
    public int ClassCount(string level)
    {
        if (classNames.TryGetValue(level, out var names) && names.Count > 0) return names.Count;
        if (!labels.TryGetValue(level, out var t))
            throw new KeyNotFoundException($"{Name}: no label level '{level}'; levels are {string.Join(", ", labels.Keys)}.");
        return t.dim() == 2 ? (int)t.shape[1] : (int)t.max().item<long>() + 1;
    }

    /// <summary>Adds (or replaces) a label level, returning a new set that shares the images.</summary>
    public LabeledImages WithLabels(string level, Tensor values, IReadOnlyList<string>? names = null)
    {
        var l = new Dictionary<string, Tensor>(labels) { [level] = values };
        var n = new Dictionary<string, IReadOnlyList<string>>(classNames);
        if (names is not null) n[level] = names;
        return new LabeledImages(Name, Images, l, n, Source);
    }

    /// <summary>The images and labels at the given indices (copies).</summary>
    public LabeledImages Subset(long[] indices, string? name = null)
    {
        using var idx = torch.tensor(indices, ScalarType.Int64);
        var l = labels.ToDictionary(kv => kv.Key, kv => kv.Value.index_select(0, idx));
        return new LabeledImages(name ?? Name, Images.index_select(0, idx), l, classNames, Source);
    }

    /// <summary>The first <paramref name="count"/> images.</summary>
    public LabeledImages Take(long count) => Subset(Enumerable.Range(0, (int)Math.Min(count, Count)).Select(i => (long)i).ToArray());

    /// <summary>
    /// Carves a validation split from this (training) set with a seeded permutation, so model selection never looks
    /// at the test set.
    /// </summary>
    public (LabeledImages Train, LabeledImages Validation) SplitValidation(double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Validation fraction must lie strictly between 0 and 1.");
        var order = Enumerable.Range(0, (int)Count).Select(i => (long)i).ToArray();
        new Random(seed).Shuffle(order);
        int nVal = Math.Max(1, (int)Math.Round(Count * fraction));
        return (Subset(order[nVal..], Name + "/train-split"), Subset(order[..nVal], Name + "/validation"));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        foreach (var t in labels.Values) t.Dispose();
    }
}
