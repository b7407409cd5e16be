using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral.Training;

/// <summary>
/// The two hemispheres' features of a whole set, computed once in evaluation mode without autograd and without
/// augmentation, with the labels on the same device. Used to train the heads of frozen hemispheres quickly.
/// </summary>
public sealed class FeatureCache : IDisposable
{
    private FeatureCache(Tensor left, Tensor right, Dictionary<string, Tensor> labels)
    {
        Left = left;
        Right = right;
        Labels = labels;
    }

    /// <summary>Left features (N, L).</summary>
    public Tensor Left { get; }
    /// <summary>Right features (N, R).</summary>
    public Tensor Right { get; }
    /// <summary>Labels per level (N).</summary>
    public IReadOnlyDictionary<string, Tensor> Labels { get; }
    /// <summary>Number of samples.</summary>
    public long Count => Left.shape[0];

    /// <summary>Runs the hemispheres of <paramref name="network"/> over every batch of <paramref name="source"/> (in order).</summary>
    public static FeatureCache Compute(BilateralNetwork network, BatchSource source)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Compute(network, network.Features, source);
    }

    /// <summary>
    /// Runs <paramref name="features"/> (the two hemispheres' features of a batch of images) over every batch of
    /// <paramref name="source"/> (in order) with <paramref name="network"/> in evaluation mode; for networks other than
    /// <see cref="BilateralNetwork"/> (e.g. <c>Beyond.AsymmetricBilateralNetwork</c>).
    /// </summary>
    public static FeatureCache Compute(nn.Module network, Func<Tensor, (Tensor Left, Tensor Right)> features, BatchSource source)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(source);
        if (source.Shuffle)
            throw new ArgumentException("FeatureCache: the batch source must not shuffle (labels are taken in order).", nameof(source));
        bool wasTraining = network.training;
        network.eval();
        var lefts = new List<Tensor>();
        var rights = new List<Tensor>();
        try
        {
            using (no_grad())
            {
                foreach (var indices in source.IndexBatches(0))
                {
                    using var scope = NewDisposeScope();
                    var batch = source.Load(indices, augment: false);
                    var (l, r) = features(batch.Images);
                    lefts.Add(l.DetachFromDisposeScope());
                    rights.Add(r.DetachFromDisposeScope());
                }
            }
            var left = cat(lefts, 0);
            var right = cat(rights, 0);
            var labels = source.Data.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.to(source.Device));
            return new FeatureCache(left, right, labels);
        }
        finally
        {
            foreach (var t in lefts.Concat(rights)) t.Dispose();
            if (wasTraining) network.train();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
        foreach (var t in Labels.Values) t.Dispose();
    }
}
