using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>Optimiser and learning-rate schedule of one <see cref="ParameterGroup"/>.</summary>
public sealed record OptimizerSettings
{
    /// <summary>Optimiser family.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;
    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Weight decay (L2 for Adam and SGD, decoupled for AdamW).</summary>
    public double WeightDecay { get; init; }
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Learning-rate schedule over the run's epochs.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;
    /// <summary>Epochs between decays of the step schedule.</summary>
    public int StepSize { get; init; } = 30;
    /// <summary>Decay factor of the step schedule.</summary>
    public double StepGamma { get; init; } = 0.1;

    /// <summary>The optimiser settings of <paramref name="options"/>.</summary>
    public static OptimizerSettings From(TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new()
        {
            Kind = options.Optimizer, LearningRate = options.LearningRate, WeightDecay = options.WeightDecay, Momentum = options.Momentum,
            Schedule = options.Schedule, StepSize = options.StepSize, StepGamma = options.StepGamma,
        };
    }

    /// <summary>The learning rate of the 0-based epoch <paramref name="epochIndex"/> of <paramref name="epochs"/>, times <paramref name="scale"/>.</summary>
    public double RateAt(int epochIndex, int epochs, double scale = 1.0)
    {
        double lr0 = LearningRate * scale;
        return Schedule switch
        {
            LearningRateSchedule.Cosine => lr0 * 0.5 * (1 + Math.Cos(Math.PI * epochIndex / epochs)),
            LearningRateSchedule.Step => lr0 * Math.Pow(StepGamma, epochIndex / StepSize),
            _ => lr0,
        };
    }

    internal OptimizerHelper Create(IReadOnlyList<Parameter> parameters) => Kind switch
    {
        OptimizerKind.Adam => FusedAdam.Create(parameters, LearningRate, weight_decay: WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, LearningRate, weight_decay: WeightDecay),
        OptimizerKind.Sgd => optim.SGD(parameters, LearningRate, momentum: Momentum, weight_decay: WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown optimizer."),
    };
}

/// <summary>
/// Parameters trained by their own optimiser and schedule, e.g. a lattice's gates (plain SGD) beside its weights (AdamW).
/// Every group is stepped after every batch; gradient clipping acts on all groups together.
/// </summary>
/// <param name="Name">Name for messages and logs (e.g. <c>weights</c>, <c>gates</c>).</param>
/// <param name="Parameters">The parameters (each in one group only).</param>
/// <param name="Optimizer">Optimiser and schedule.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, OptimizerSettings Optimizer);
