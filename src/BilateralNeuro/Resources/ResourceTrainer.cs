using System.Diagnostics;
using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Resources;

/// <summary>Metrics of one training epoch under resource costs.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TaskLoss">Mean task loss.</param>
/// <param name="Breadth">Mean breadth cost (unweighted).</param>
/// <param name="Depth">Mean depth cost (unweighted).</param>
/// <param name="Time">Mean expected steps.</param>
/// <param name="TrainAccuracy">Accuracy of the answer output on the training batches.</param>
/// <param name="Size">Effective size at the end of the epoch.</param>
/// <param name="Duration">Wall time.</param>
public sealed record ResourceEpoch(int Epoch, double TaskLoss, double Breadth, double Depth, double Time, double TrainAccuracy,
    ResourceReport Size, TimeSpan Duration);

/// <summary>
/// A small training loop for gated networks: task loss plus <see cref="ResourceCostPenalty"/> (the shared Trainer has
/// no extra-loss hook), AdamW, gradient clipping, one dispose scope per step. No model selection: a larger earlier
/// network would always win on validation accuracy, so the last epoch is the trained network.
/// </summary>
public sealed class ResourceTrainer
{
    private readonly ILogger logger;

    /// <summary>Creates a trainer; options are validated here.</summary>
    public ResourceTrainer(ResourceTrainerOptions? options = null, ILogger? logger = null)
    {
        Options = ResourceTrainerOptionsValidator.Check(options ?? new ResourceTrainerOptions());
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The validated options.</summary>
    public ResourceTrainerOptions Options { get; }

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/> under <paramref name="penalty"/>.</summary>
    /// <param name="model">The gated model.</param>
    /// <param name="penalty">Breadth, depth and time costs.</param>
    /// <param name="train">Training batches.</param>
    /// <param name="cancellationToken">Stops after the current step.</param>
    /// <param name="progress">Receives a report after every step (task loss and training accuracy of the epoch so far).</param>
    public IReadOnlyList<ResourceEpoch> Fit<TModel>(TModel model, ResourceCostPenalty penalty, BatchSource train, CancellationToken cancellationToken = default,
        IProgress<TrainingProgress>? progress = null)
        where TModel : nn.Module<Tensor, Dictionary<string, Tensor>>, IResourceGated
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(penalty);
        ArgumentNullException.ThrowIfNull(train);
        if (!train.Data.Labels.ContainsKey(Options.Label))
            throw new ArgumentException($"ResourceTrainer: the data '{train.Data.Name}' has no label level '{Options.Label}' (has {string.Join(", ", train.Data.Labels.Keys)}).", nameof(train));
        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var parameters = named.Select(p => p.parameter).ToList();
        if (parameters.Count == 0) throw new ArgumentException("ResourceTrainer: the model has no trainable parameters.", nameof(model));
        var gates = named.Where(p => p.name.EndsWith("gate", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        var weights = named.Where(p => !p.name.EndsWith("gate", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>
        {
            new(weights, lr: Options.LearningRate, weight_decay: Options.WeightDecay),
        };
        double gateRate = Options.GateLearningRate ?? Options.LearningRate;
        if (gates.Count > 0 && Options.GateOptimizer == GateOptimizer.Adam) groups.Add(new(gates, lr: gateRate, weight_decay: 0));
        using var optimizer = optim.AdamW(groups, Options.LearningRate);
        using var gateOptimizer = gates.Count > 0 && Options.GateOptimizer == GateOptimizer.Sgd
            ? optim.SGD(gates, gateRate, momentum: Options.GateMomentum) : null;
        var history = new List<ResourceEpoch>();
        double warmupSteps = Options.PressureWarmupEpochs * train.BatchesPerEpoch;
        long globalStep = 0;
        for (int epoch = 1; epoch <= Options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            model.train();
            double taskSum = 0, bSum = 0, dSum = 0, tSum = 0;
            long seen = 0, correct = 0;
            int batches = 0;
            foreach (var indices in train.IndexBatches(epoch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = train.Load(indices, augment: true);
                var target = batch.Labels[Options.Label];
                var outputs = model.call(batch.Images);
                var task = TaskLossOf(outputs, target);
                var cost = penalty.Compute(model, outputs);
                double ramp = warmupSteps <= 0 ? 1 : Math.Min(1, ++globalStep / warmupSteps);
                var loss = task + cost.Total * ramp;
                optimizer.zero_grad();
                gateOptimizer?.zero_grad();
                loss.backward();
                if (Options.GradientClipNorm is { } clip) nn.utils.clip_grad_norm_(parameters, clip);
                optimizer.step();
                gateOptimizer?.step();
                taskSum += task.item<float>() * batch.Size;
                bSum += cost.Breadth.item<float>();
                dSum += cost.Depth.item<float>();
                tSum += cost.Time.item<float>() * batch.Size;
                using (no_grad()) correct += outputs[Options.Output].argmax(1).eq(target).sum().item<long>();
                seen += batch.Size;
                batches++;
                progress?.Report(new TrainingProgress(epoch, Options.Epochs, batches, train.BatchesPerEpoch, taskSum / seen, (double)correct / seen, null));
            }
            var size = penalty.Measure(model);
            var e = new ResourceEpoch(epoch, taskSum / seen, bSum / batches, dSum / batches, tSum / seen, (double)correct / seen, size, clock.Elapsed);
            history.Add(e);
            logger.LogInformation("Epoch {Epoch}/{Epochs}: task {Task:F4}, train acc {Acc:F4}, breadth {B} channels in {D} layers, expected steps {T:F2}, {Seconds:F1}s",
                epoch, Options.Epochs, e.TaskLoss, e.TrainAccuracy, size.Breadth, size.Depth, e.Time, e.Duration.TotalSeconds);
        }
        if (Options.RecalibrationBatches > 0) RecalibrateNorms(model, train, Options.RecalibrationBatches);
        model.eval();
        return history;
    }

    /// <summary>
    /// Replaces the running statistics of every batch norm in <paramref name="model"/> by exact averages over up to
    /// <paramref name="batches"/> batches of <paramref name="data"/> (train-mode forward passes without autograd).
    /// </summary>
    public static void RecalibrateNorms(nn.Module<Tensor, Dictionary<string, Tensor>> model, BatchSource data, int batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var norms = model.modules().OfType<TorchSharp.Modules.BatchNorm2d>().ToList();
        if (norms.Count == 0 || batches <= 0) return;
        var momenta = norms.Select(n => n.momentum).ToList();
        foreach (var n in norms) { n.reset_running_stats(); n.momentum = null; }
        model.train();
        using (no_grad())
            foreach (var indices in data.IndexBatches(-1).Take(batches))
            {
                using var scope = NewDisposeScope();
                model.call(data.Load(indices, augment: false).Images);
            }
        for (int i = 0; i < norms.Count; i++) norms[i].momentum = momenta[i];
        model.eval();
    }

    private Tensor TaskLossOf(Dictionary<string, Tensor> outputs, Tensor target)
    {
        Tensor? perStep = null;
        if (outputs.TryGetValue(LatticeOutputs.StepLogits, out var steps))
        {
            long n = steps.shape[0], t = steps.shape[1];
            perStep = F.cross_entropy(steps.reshape(n * t, -1), target.repeat_interleave(t), reduction: nn.Reduction.None).reshape(n, t);
        }
        Tensor loss;
        if (Options.Loss == TaskLoss.ExpectedNll && perStep is not null && outputs.TryGetValue(LatticeOutputs.Time, out var p))
            loss = (perStep * p).sum(1).mean();
        else
        {
            if (!outputs.TryGetValue(Options.Output, out var answer))
                throw new InvalidOperationException($"ResourceTrainer: the model returned [{string.Join(", ", outputs.Keys)}] but output '{Options.Output}' was requested.");
            loss = F.cross_entropy(answer, target);
        }
        if (perStep is not null && Options.StepSupervision > 0) loss = loss + perStep.mean() * Options.StepSupervision;
        return loss;
    }
}
