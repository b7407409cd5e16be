using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Attention;

/// <summary>Outputs of a transfer model's frozen prefix for a whole set, with the set's labels (CPU tensors).</summary>
public sealed class CachedFeatures : IDisposable
{
    /// <summary>Wraps features and labels (takes ownership).</summary>
    public CachedFeatures(string name, Tensor features, IReadOnlyDictionary<string, Tensor> labels)
    {
        Name = name;
        Features = features;
        Labels = labels;
    }

    /// <summary>Name of the source set.</summary>
    public string Name { get; }
    /// <summary>Prefix outputs (N, ...) as float32.</summary>
    public Tensor Features { get; }
    /// <summary>Labels per level (N).</summary>
    public IReadOnlyDictionary<string, Tensor> Labels { get; }
    /// <summary>Number of samples.</summary>
    public long Count => Features.shape[0];

    /// <inheritdoc />
    public void Dispose()
    {
        Features.Dispose();
        foreach (var t in Labels.Values) t.Dispose();
    }
}

/// <summary>
/// Computes a frozen transfer model's prefix (everything before <see cref="TransferModel.CacheBoundary"/>) once per
/// image, so training the trainable suffix never runs the conv trunk again. No augmentation can apply to cached sets.
/// </summary>
public static class FeatureCache
{
    /// <summary>Runs the frozen prefix over <paramref name="data"/> in order (eval mode, no autograd).</summary>
    /// <exception cref="InvalidOperationException">The model's features are not frozen.</exception>
    public static CachedFeatures Compute(TransferModel model, LabeledImages data, Normalization normalization, Device? device = null, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (!model.CanCacheFeatures)
            throw new InvalidOperationException($"FeatureCache: {model.GetName()} trains its features; only a frozen prefix can be cached.");
        var source = new BatchSource(data, batchSize, device, normalization, shuffle: false);
        bool wasTraining = model.training;
        model.eval();
        var parts = new List<Tensor>();
        using (no_grad())
        {
            foreach (var indices in source.IndexBatches(0))
            {
                using var scope = NewDisposeScope();
                var batch = source.Load(indices, augment: false);
                parts.Add(model.ForwardFrozen(batch.Images).cpu().DetachFromDisposeScope());
            }
        }
        if (wasTraining) model.train();
        var features = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        var labels = data.Labels.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        return new CachedFeatures(data.Name, features, labels);
    }
}
