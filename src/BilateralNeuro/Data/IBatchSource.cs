using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// Serves the batches of one set to the trainer: <see cref="IndexBatches"/> yields index arrays (deterministic in the
/// source's seed and the epoch; epoch 0 is the in-order evaluation pass of non-shuffling sources), and
/// <see cref="Load"/> materialises one of them. Call <see cref="Load"/> inside the step's dispose scope: an enumerator
/// that produced tensors would create them before the scope opens, outside its reach.
/// Implementations: <see cref="BatchSource"/> (images), <c>Training.CachedSource</c> (cached feature tensors) and
/// <c>Training.MultiObjectSource</c> (multi-object images with masks).
/// </summary>
public interface IBatchSource
{
    /// <summary>Name of the underlying set (for messages).</summary>
    string Name { get; }
    /// <summary>Number of samples.</summary>
    long Count { get; }
    /// <summary>Samples per batch.</summary>
    int BatchSize { get; }
    /// <summary>Whether epochs are shuffled (evaluation and prediction need a source that is not).</summary>
    bool Shuffle { get; }
    /// <summary>Number of batches per epoch.</summary>
    int BatchesPerEpoch { get; }
    /// <summary>Labels of the whole set per level (used to check label ranges before training).</summary>
    IReadOnlyDictionary<string, Tensor> Labels { get; }
    /// <summary>The index batches of one epoch.</summary>
    IEnumerable<long[]> IndexBatches(int epoch);
    /// <summary>Materialises a batch (augmented when <paramref name="augment"/> and the source augments).</summary>
    Batch Load(long[] indices, bool augment);
}
