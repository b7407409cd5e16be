using BilateralNeuro.Data;
using BilateralNeuro.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Resources.Training;

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
/// The resource-cost protocol for gated networks as one <see cref="Trainer"/> run: the task loss plus the
/// <see cref="ResourceCostPenalty"/> (its pressures ramped up over <see cref="ResourceTrainerOptions.PressureWarmupEpochs"/>),
/// the weights in an AdamW parameter group and the gates (parameters named <c>...gate</c>) in their own group (plain
/// SGD by default), gradient clipping, then batch-norm statistics recomputed. No model selection: a larger earlier
/// network would always win on validation accuracy, so the last epoch is the trained network.
/// </summary>
public sealed class ResourceProtocol
{
    private readonly ILogger logger;

    /// <summary>Creates the protocol; options are validated here.</summary>
    public ResourceProtocol(ResourceTrainerOptions? options = null, ILogger? logger = null)
    {
        Options = ResourceTrainerOptionsValidator.Check(options ?? new ResourceTrainerOptions());
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The validated options.</summary>
    public ResourceTrainerOptions Options { get; }

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/> under <paramref name="penalty"/>; returns one record per epoch.</summary>
    /// <param name="model">The gated model.</param>
    /// <param name="penalty">Breadth, depth and time costs.</param>
    /// <param name="train">Training batches.</param>
    /// <param name="cancellationToken">Stops after the current step.</param>
    /// <param name="progress">Receives a report after every step (loss and training accuracy of the epoch so far).</param>
    /// <param name="callbacks">Further observers of steps and epochs (e.g. a metrics writer).</param>
    public IReadOnlyList<ResourceEpoch> Train<TModel>(TModel model, ResourceCostPenalty penalty, BatchSource train, CancellationToken cancellationToken = default,
        IProgress<TrainingProgress>? progress = null, IReadOnlyList<ITrainingCallback>? callbacks = null)
        where TModel : nn.Module<Tensor, Dictionary<string, Tensor>>, IResourceGated
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(penalty);
        ArgumentNullException.ThrowIfNull(train);
        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        if (named.Count == 0) throw new ArgumentException("ResourceProtocol: the model has no trainable parameters.", nameof(model));
        bool IsGate((string name, Parameter parameter) p) => p.name.EndsWith("gate", StringComparison.Ordinal);
        double gateRate = Options.GateLearningRate ?? Options.LearningRate;
        var groups = new List<ParameterGroup>
        {
            new("weights", named.Where(p => !IsGate(p)).Select(p => p.parameter).ToList(),
                new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = Options.LearningRate, WeightDecay = Options.WeightDecay }),
            new("gates", named.Where(IsGate).Select(p => p.parameter).ToList(), Options.GateOptimizer == GateOptimizer.Sgd
                ? new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = gateRate, Momentum = Options.GateMomentum }
                : new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = gateRate, WeightDecay = 0 }),
        };
        var sizes = new List<ResourceReport>();
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = Options.Epochs, BatchSize = train.BatchSize, GradientClipNorm = Options.GradientClipNorm, ProgressEvery = 1,
            LearningRate = Options.LearningRate, EpochLogLevel = LogLevel.Debug,   // the resource line below replaces the generic one
        }, logger);
        var result = trainer.Fit(new TrainingRun
        {
            Model = model,
            Objective = new Objective(model, penalty, Options, train.BatchesPerEpoch),
            Train = train,
            Groups = groups,
            Callbacks = [new TrainingCallback(onEpoch: e =>
            {
                var size = penalty.Measure(model);
                sizes.Add(size);
                logger.LogInformation("Epoch {Epoch}/{Epochs}: task {Task:F4}, train acc {Acc:F4}, breadth {B} channels in {D} layers, expected steps {T:F2}, {Seconds:F1}s",
                    e.Epoch, Options.Epochs, e.Train["task"], e.Train[$"{Options.Output}/accuracy"], size.Breadth, size.Depth, e.Train["time"], e.Duration.TotalSeconds);
            }), .. callbacks ?? []],
        }, progress, cancellationToken);
        var history = result.History.Select((e, i) => new ResourceEpoch(e.Epoch, e.Train["task"], e.Train["breadth"], e.Train["depth"], e.Train["time"],
            e.Train[$"{Options.Output}/accuracy"], sizes[i], e.Duration)).ToList();
        if (Options.RecalibrationBatches > 0) NormRecalibration.RecalibrateNorms(model, train, Options.RecalibrationBatches);
        model.eval();
        return history;
    }

    /// <summary>Task loss plus the ramped resource cost; metrics task, breadth, depth, time and the answer's accuracy.</summary>
    private sealed class Objective(nn.Module<Tensor, Dictionary<string, Tensor>> model, ResourceCostPenalty penalty, ResourceTrainerOptions options, int stepsPerEpoch)
        : ITrainingObjective
    {
        public string? PrimaryMetric => $"{options.Output}/accuracy";

        public void Check(IBatchSource source)
        {
            if (!source.Labels.ContainsKey(options.Label))
                throw new ArgumentException($"ResourceProtocol: the data '{source.Name}' has no label level '{options.Label}' (has {string.Join(", ", source.Labels.Keys)}).", nameof(source));
        }

        public ObjectiveResult Compute(Batch batch, StepContext context)
        {
            var target = batch.Labels[options.Label];
            var outputs = model.call(batch.Images);
            var task = TaskLossOf(outputs, target);
            var cost = penalty.Compute((IResourceGated)model, outputs);
            double warmup = options.PressureWarmupEpochs * stepsPerEpoch;
            double ramp = !context.Training ? 1 : warmup <= 0 ? 1 : Math.Min(1, context.GlobalStep / warmup);
            var loss = task + cost.Total * ramp;
            long correct;
            using (no_grad()) correct = outputs[options.Output].argmax(1).eq(target).sum().item<long>();
            return new ObjectiveResult(loss, new Dictionary<string, MetricValue>
            {
                ["task"] = MetricValue.Mean(task.item<float>(), batch.Size),
                ["breadth"] = new(cost.Breadth.item<float>(), 1),
                ["depth"] = new(cost.Depth.item<float>(), 1),
                ["time"] = MetricValue.Mean(cost.Time.item<float>(), batch.Size),
                [$"{options.Output}/accuracy"] = MetricValue.Fraction(correct, batch.Size),
            });
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
            if (options.Loss == TaskLoss.ExpectedNll && perStep is not null && outputs.TryGetValue(LatticeOutputs.Time, out var p))
                loss = (perStep * p).sum(1).mean();
            else
            {
                if (!outputs.TryGetValue(options.Output, out var answer))
                    throw new InvalidOperationException($"ResourceProtocol: the model returned [{string.Join(", ", outputs.Keys)}] but output '{options.Output}' was requested.");
                loss = F.cross_entropy(answer, target);
            }
            if (perStep is not null && options.StepSupervision > 0) loss = loss + perStep.mean() * options.StepSupervision;
            return loss;
        }
    }
}
