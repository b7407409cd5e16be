using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Globally average-pooled activations (N, C) after each conv block of a torchvision-layout network (AlexNet conv1..conv5,
/// VGG block1..block5), on the CPU, in layer order. Stored as float16 by default (half the bytes of float32; a
/// linear probe standardises each feature, so the 3-digit precision is ample) or float32.
/// </summary>
public sealed class PooledActivations : IDisposable
{
    private readonly Dictionary<string, Tensor> features;

    /// <summary>Wraps per-layer features (takes ownership of them and of <paramref name="trunkOutput"/>).</summary>
    /// <param name="layers">Layer names in network order.</param>
    /// <param name="features">Features (N, C) per layer.</param>
    /// <param name="trunkOutput">Optional output of the whole trunk and the adaptive pool (see <see cref="TrunkOutput"/>).</param>
    public PooledActivations(IReadOnlyList<string> layers, IReadOnlyDictionary<string, Tensor> features, Tensor? trunkOutput = null)
    {
        TrunkOutput = trunkOutput;
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(features);
        foreach (var l in layers)
            if (!features.ContainsKey(l)) throw new ArgumentException($"PooledActivations: no features for layer '{l}'.", nameof(features));
        Layers = layers;
        this.features = features.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>Layer names in network order.</summary>
    public IReadOnlyList<string> Layers { get; }
    /// <summary>Features (N, C) of one layer.</summary>
    public Tensor this[string layer] => features.TryGetValue(layer, out var t) ? t
        : throw new KeyNotFoundException($"PooledActivations: no layer '{layer}' (has {string.Join(", ", Layers)}).");
    /// <summary>Rows (images).</summary>
    public long Count => features[Layers[0]].shape[0];
    /// <summary>
    /// The output of the whole conv trunk followed by the network's adaptive pool (N, C, P, P), float32 on the CPU: what
    /// the classifier (and a frozen-prefix cache of a transfer model, <c>TransferModel.ForwardFrozen</c>) sees. Present when
    /// extracted with <c>keepTrunkOutput</c>, so one pass serves both the probes and such a cache; else null.
    /// </summary>
    public Tensor? TrunkOutput { get; }
    /// <summary>Bytes held by all layers' features.</summary>
    public long Bytes => features.Values.Sum(t => t.NumberOfElements * t.ElementSize);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in features.Values) t.Dispose();
        TrunkOutput?.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="network"/>'s conv trunk over <paramref name="data"/> in order (eval mode, no autograd, one
    /// dispose scope per batch) and keeps each block's output averaged over space. The network's training mode is
    /// restored afterwards. Only the conv trunk runs; the classifier is never touched.
    /// </summary>
    /// <param name="network">AlexNet or VGG (frozen or not: nothing is updated).</param>
    /// <param name="data">uint8 images with the network's channel count.</param>
    /// <param name="normalization">Applied to every batch (the one used in training).</param>
    /// <param name="batchSize">Images per forward.</param>
    /// <param name="device">Where the network runs (default CPU); features come back to the CPU.</param>
    /// <param name="halfPrecision">Store float16 (default) or float32.</param>
    /// <param name="keepTrunkOutput">Also keep <see cref="TrunkOutput"/> (the rest of the trunk after the last block, then the adaptive pool).</param>
    public static PooledActivations Extract(ITorchvisionConvNet network, LabeledImages data, Normalization normalization,
        int batchSize = 128, Device? device = null, bool halfPrecision = true, bool keepTrunkOutput = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(normalization);
        if (data.Channels != network.InputChannels)
            throw new ArgumentException($"PooledActivations: {network.Architecture} expects {network.InputChannels}-channel images, {data.Name} has {data.Channels}.", nameof(data));
        if (Math.Min(data.Height, data.Width) < network.MinimumInputSize)
            throw new ArgumentException($"PooledActivations: {network.Architecture} needs images of at least {network.MinimumInputSize} px, {data.Name} has {data.Height}x{data.Width}.", nameof(data));
        var source = new BatchSource(data, batchSize, device, normalization, shuffle: false);
        return Run(network, source.IndexBatches(0).Select(ix => (Func<Tensor>)(() => source.Load(ix, augment: false).Images)), halfPrecision, keepTrunkOutput);
    }

    /// <summary>As <see cref="Extract(ITorchvisionConvNet, LabeledImages, Normalization, int, Device?, bool, bool)"/> for a float image batch (N, C, H, W), already normalised.</summary>
    public static PooledActivations Extract(ITorchvisionConvNet network, Tensor images, int batchSize = 128, bool halfPrecision = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.ImageBatch(images, network.InputChannels, nameof(PooledActivations), "images", network.MinimumInputSize);
        Guard.Floating(images, nameof(PooledActivations), "images");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "PooledActivations: batch size must be positive.");
        long n = images.shape[0];
        var batches = Enumerable.Range(0, (int)((n + batchSize - 1) / batchSize))
            .Select(b => (Func<Tensor>)(() => images.narrow(0, b * (long)batchSize, Math.Min(batchSize, n - b * (long)batchSize))));
        return Run(network, batches, halfPrecision, keepTrunkOutput: false);
    }

    private static PooledActivations Run(ITorchvisionConvNet network, IEnumerable<Func<Tensor>> batches, bool halfPrecision, bool keepTrunkOutput)
    {
        var module = (nn.Module)network;
        bool wasTraining = module.training;
        module.eval();
        var blocks = network.ConvBlocks;
        var parts = blocks.ToDictionary(b => b.Name, _ => new List<Tensor>());
        var trunk = new List<Tensor>();
        var storage = halfPrecision ? ScalarType.Float16 : ScalarType.Float32;
        try
        {
            using var _ = no_grad();
            var device = module.parameters().FirstOrDefault()?.device ?? CPU;
            foreach (var load in batches)
            {
                using var scope = NewDisposeScope();
                var x = load().to(device);
                int next = 0;
                for (int i = 0; i <= blocks[^1].EndIndex; i++)
                {
                    x = ((nn.Module<Tensor, Tensor>)network.Features[i]).call(x);
                    if (i == blocks[next].EndIndex)
                    {
                        parts[blocks[next].Name].Add(x.mean([2, 3]).to(storage).cpu().DetachFromDisposeScope());
                        next++;
                    }
                }
                if (keepTrunkOutput)
                {
                    for (int i = blocks[^1].EndIndex + 1; i < network.Features.Count; i++) x = ((nn.Module<Tensor, Tensor>)network.Features[i]).call(x);
                    trunk.Add(network.AvgPool.call(x).cpu().DetachFromDisposeScope());
                }
            }
        }
        catch
        {
            foreach (var t in parts.Values.SelectMany(l => l).Concat(trunk)) t.Dispose();
            throw;
        }
        finally
        {
            if (wasTraining) module.train();
        }
        var features = new Dictionary<string, Tensor>();
        foreach (var (name, list) in parts)
        {
            features[name] = torch.cat(list, 0);
            foreach (var t in list) t.Dispose();
        }
        Tensor? trunkOutput = null;
        if (keepTrunkOutput)
        {
            trunkOutput = torch.cat(trunk, 0);
            foreach (var t in trunk) t.Dispose();
        }
        return new PooledActivations(blocks.Select(b => b.Name).ToList(), features, trunkOutput);
    }
}
