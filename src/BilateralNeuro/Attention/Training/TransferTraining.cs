using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Attention.Training;

/// <summary>
/// Transfer training of a <see cref="TransferModel"/> with a frozen prefix: the prefix (everything before
/// <see cref="TransferModel.CacheBoundary"/>) runs once per image into a <see cref="CachedSource"/>, then the trainable
/// suffix (attention, classifier) is one <see cref="Trainer"/> run on the cached features: cross-entropy on one label
/// level, model selection on a validation split of the training set. No augmentation can apply to cached sets.
/// </summary>
public static class TransferTraining
{
    /// <summary>Input name of the cached prefix output.</summary>
    public const string FeaturesInput = "features";

    /// <summary>Runs the frozen prefix over <paramref name="data"/> in order (eval mode, no autograd); features and labels are kept on the CPU.</summary>
    /// <param name="model">The transfer model (its features must be frozen).</param>
    /// <param name="data">The images.</param>
    /// <param name="normalization">Input normalisation.</param>
    /// <param name="device">Where the prefix runs and where batches of the cache are placed.</param>
    /// <param name="batchSize">Images per forward pass (and batches of the returned source).</param>
    /// <exception cref="InvalidOperationException">The model's features are not frozen.</exception>
    public static CachedSource CacheFeatures(TransferModel model, LabeledImages data, Normalization normalization, Device? device = null, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (!model.CanCacheFeatures)
            throw new InvalidOperationException($"TransferTraining: {model.GetName()} trains its features; only a frozen prefix can be cached.");
        var source = new BatchSource(data, batchSize, device, normalization, shuffle: false);
        return CachedSource.Compute(model, x => new Dictionary<string, Tensor> { [FeaturesInput] = model.ForwardFrozen(x) }, source, onCpu: true);
    }

    /// <summary>Trains the suffix on cached features; restores the best validation epoch when <see cref="TrainerOptions.RestoreBest"/>.</summary>
    /// <param name="model">The transfer model.</param>
    /// <param name="train">Cached training features (<see cref="CacheFeatures"/>).</param>
    /// <param name="validation">Cached validation features, or null.</param>
    /// <param name="label">Label level to predict (output <see cref="TransferModel.Head"/>).</param>
    /// <param name="options">Trainer options (epochs, batch size, optimiser, seed of the order).</param>
    /// <param name="logger">Receives one line per epoch (at the options' <see cref="TrainerOptions.EpochLogLevel"/>; the face-attention experiment uses Debug).</param>
    /// <param name="progress">Receives step and epoch reports.</param>
    /// <param name="cancellationToken">Stops after the current step.</param>
    public static TrainingResult Fit(TransferModel model, CachedSource train, CachedSource? validation, string label, TrainerOptions options,
        ILogger? logger = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (!train.Labels.ContainsKey(label)) throw new ArgumentException($"TransferTraining: no label level '{label}' in {train.Name} (has [{string.Join(", ", train.Labels.Keys)}]).", nameof(label));
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var objective = new HeadObjective(b => new Dictionary<string, Tensor> { [model.Head] = model.ForwardTrainable(b.Images) }, [new HeadSpec(model.Head, label)], model);
        return new Trainer(options, logger).Fit(new TrainingRun
        {
            Model = model,
            Objective = objective,
            Train = train.Batched(options.BatchSize, shuffle: true, seed: options.Seed, device: device),
            Validation = validation?.Batched(512, shuffle: false, device: device),
        }, progress, cancellationToken);
    }

    /// <summary>Logits of the model over cached features (eval mode, no autograd), on the CPU.</summary>
    public static Tensor Predict(TransferModel model, CachedSource data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var outputs = Trainer.Predict(model, data.Batched(512, shuffle: false, device: device),
            b => new Dictionary<string, Tensor> { [model.Head] = model.ForwardTrainable(b.Images) });
        return outputs[model.Head];
    }

    /// <summary>Accuracy of the argmax against a label level.</summary>
    public static double Accuracy(TransferModel model, CachedSource data, string label)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var logits = Predict(model, data);
        using var hits = logits.argmax(1).eq(data.Labels[label]);
        return hits.to(ScalarType.Float64).mean().item<double>();
    }
}
