using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// The weighted sum of head losses (<see cref="HeadSpec"/>: cross-entropy or multi-label BCE per named output) with
/// each head's accuracy as <c>{output}/accuracy</c> (and its unweighted loss as <c>{output}/loss</c> in evaluation).
/// The forward function says how a batch reaches the model: images for image models, cached features for heads.
/// </summary>
public sealed class HeadObjective : ITrainingObjective
{
    private readonly Func<Batch, IReadOnlyDictionary<string, Tensor>> forward;
    private readonly nn.Module? model;

    /// <summary>Heads of a model that maps a batch's images to named outputs.</summary>
    public HeadObjective(nn.Module<Tensor, Dictionary<string, Tensor>> model, IReadOnlyList<HeadSpec> heads)
        : this(b => model.call(b.Images), heads, model)
    {
        ArgumentNullException.ThrowIfNull(model);
    }

    /// <summary>Heads of any forward function of a batch (e.g. a head on two cached feature tensors).</summary>
    /// <param name="forward">Named outputs of a batch.</param>
    /// <param name="heads">Outputs, labels and loss weights.</param>
    /// <param name="model">The module behind <paramref name="forward"/>, used to read head sizes off one forward pass when a head does not state <see cref="HeadSpec.Classes"/>; null skips that check.</param>
    public HeadObjective(Func<Batch, IReadOnlyDictionary<string, Tensor>> forward, IReadOnlyList<HeadSpec> heads, nn.Module? model = null)
    {
        this.forward = forward ?? throw new ArgumentNullException(nameof(forward));
        if (heads is null || heads.Count == 0) throw new ArgumentException("Trainer: at least one head is required.", nameof(heads));
        Heads = heads;
        this.model = model;
    }

    /// <summary>The heads.</summary>
    public IReadOnlyList<HeadSpec> Heads { get; }

    /// <inheritdoc />
    public string? PrimaryMetric => $"{Heads[0].Output}/accuracy";

    /// <inheritdoc />
    public ObjectiveResult Compute(Batch batch, StepContext context)
    {
        var outputs = forward(batch);
        var metrics = new Dictionary<string, MetricValue>();
        Tensor? loss = null;
        foreach (var head in Heads)
        {
            if (!outputs.TryGetValue(head.Output, out var logits))
                throw new InvalidOperationException($"Trainer: the model returned outputs [{string.Join(", ", outputs.Keys)}] but head '{head.Output}' was requested.");
            if (!batch.Labels.TryGetValue(head.Label, out var target))
                throw new InvalidOperationException($"Trainer: head '{head.Output}' needs label level '{head.Label}', but the batch has [{string.Join(", ", batch.Labels.Keys)}].");
            if (context.Training)
            {
                if (head.Weight != 0)
                {
                    var l = Losses.Loss(head, logits, target) * head.Weight;
                    loss = loss is null ? l : loss + l;
                }
            }
            else
            {
                var l = Losses.Loss(head, logits, target);
                // float x count, as the trainer sums its loss (keeps evaluation results bit-identical to earlier versions)
                metrics[$"{head.Output}/loss"] = new MetricValue(l.item<float>() * batch.Size, batch.Size);
                var weighted = l * head.Weight;
                loss = loss is null ? weighted : loss + weighted;
            }
            using (no_grad()) metrics[$"{head.Output}/accuracy"] = MetricValue.Fraction(Losses.Correct(head, logits, target).sum().item<long>(), batch.Size);
        }
        if (loss is null) throw new InvalidOperationException("Trainer: every head has weight 0; nothing to train.");
        return new ObjectiveResult(loss, metrics);
    }

    /// <summary>In evaluation, the loss is the weighted sum of the heads' mean losses (in double precision).</summary>
    public void Summarize(IDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (!Heads.All(h => metrics.ContainsKey($"{h.Output}/loss"))) return;
        double total = 0;
        foreach (var h in Heads) total += h.Weight * metrics[$"{h.Output}/loss"];
        metrics["loss"] = total;
    }

    /// <inheritdoc />
    public void Check(IBatchSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var h in Heads)
            if (!source.Labels.ContainsKey(h.Label))
                throw new ArgumentException($"Trainer: head '{h.Output}' needs label level '{h.Label}', but '{source.Name}' has [{string.Join(", ", source.Labels.Keys)}].", nameof(source));
        Dictionary<string, long>? probed = null;
        foreach (var h in Heads)
        {
            long? size = h.Classes;
            if (size is null && model is not null && source.Count > 0)
            {
                probed ??= ProbeSizes(source);
                if (probed.TryGetValue(h.Output, out var s)) size = s;
            }
            if (size is { } classes) LabelRange.Check(h, classes, source.Labels[h.Label], source.Name);
        }
    }

    private Dictionary<string, long> ProbeSizes(IBatchSource source)
    {
        bool wasTraining = model!.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var outputs = forward(source.Load([0], augment: false));
            return outputs.ToDictionary(kv => kv.Key, kv => kv.Value.shape[^1]);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }
}

/// <summary>Checks that a label level fits a head's size before any step runs (LibTorch's own error is unreadable).</summary>
public static class LabelRange
{
    /// <summary>Throws one <see cref="ArgumentException"/> naming the head, the label level, the offending label and the head size.</summary>
    public static void Check(HeadSpec head, long classes, Tensor labels, string setName)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.numel() == 0) return;
        if (head.Loss == HeadLoss.MultiLabel)
        {
            long width = labels.dim() == 2 ? labels.shape[1] : -1;
            if (width != classes)
                throw new ArgumentException($"Trainer: multi-label head '{head.Output}' has {classes} outputs but label level '{head.Label}' of '{setName}' has shape [{string.Join(", ", labels.shape)}] (expected (N, {classes})).");
            return;
        }
        using var _ = no_grad();
        long max = labels.max().item<long>(), min = labels.min().item<long>();
        if (max >= classes || min < 0)
            throw new ArgumentException($"Trainer: head '{head.Output}' has {classes} classes but label level '{head.Label}' of '{setName}' has labels up to {max} (smallest {min}; expected 0 to {classes - 1}); give the head {Math.Max(max + 1, classes)} classes or use the matching label level.");
    }
}
