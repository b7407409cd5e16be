using BilateralNeuro.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Training;

/// <summary>
/// Everything that varies between training runs, as hooks for <see cref="Trainer.Fit(TrainingRun, IProgress{TrainingProgress}?, CancellationToken)"/>:
/// the batches, the objective, the parameter groups, the selection rule and the callbacks. The loop itself (steps,
/// dispose scopes, clipping, non-finite policies, selection, checkpoints, progress, cancellation) is the trainer's.
/// </summary>
public sealed class TrainingRun
{
    /// <summary>
    /// The module whose state is trained, checkpointed and restored to its best epoch; put in train mode for steps and
    /// eval mode for validation. Wrap several modules with <see cref="ModuleGroup"/>.
    /// </summary>
    public required nn.Module Model { get; init; }
    /// <summary>Loss and metrics of a batch.</summary>
    public required ITrainingObjective Objective { get; init; }
    /// <summary>Training batches.</summary>
    public required IBatchSource Train { get; init; }
    /// <summary>Validation batches (model selection; never the test set), or null.</summary>
    public IBatchSource? Validation { get; init; }
    /// <summary>Parameter groups with their own optimisers; null: one group of the model's trainable parameters with the options' optimiser.</summary>
    public IReadOnlyList<ParameterGroup>? Groups { get; init; }
    /// <summary>Best-epoch rule; null: <see cref="TrainerOptions.SelectionMetric"/>, else the objective's primary metric.</summary>
    public Selection? Selection { get; init; }
    /// <summary>Observers of steps and epochs.</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];
    /// <summary>Whether training batches are augmented (when the source augments).</summary>
    public bool Augment { get; init; } = true;
}

/// <summary>Several modules trained, checkpointed and restored as one (e.g. a network and its stage-1 heads).</summary>
public sealed class ModuleGroup : nn.Module
{
    /// <summary>Registers <paramref name="modules"/> as children named by their position.</summary>
    public ModuleGroup(params nn.Module[] modules) : base(nameof(ModuleGroup))
    {
        ArgumentNullException.ThrowIfNull(modules);
        for (int i = 0; i < modules.Length; i++) register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), modules[i]);
    }
}
