using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond;

/// <summary>What a hemisphere's readout gives: its feature vector and, for recurrent hemispheres, the time distribution.</summary>
/// <param name="Features">(N, FeatureSize) features.</param>
/// <param name="Time">(N, T) distribution over recurrent steps, or null for feed-forward hemispheres.</param>
/// <param name="Sync">Phases and amplitudes of a synchronised hemisphere (<see cref="PhaseSyncBlock"/>), else null.</param>
public sealed record HemisphereReadout(Tensor Features, Tensor? Time, PhaseSyncResult? Sync = null);

/// <summary>
/// A hemisphere that can be run stage by stage, so that <see cref="CallosalLink"/>s can connect the two hemispheres
/// of an <see cref="AsymmetricBilateralNetwork"/> between intermediate stages. Stage i maps the output of stage i-1
/// (the image for i = 0) to a feature map (N, <see cref="StageChannels"/>[i], H_i, W_i); <see cref="Readout"/> maps the
/// last stage's output to features. <see cref="Freeze"/> behaves as <see cref="Hemisphere.Freeze()"/>: no gradients and
/// evaluation mode even under a parent's <c>train()</c>.
/// </summary>
public abstract class StagedHemisphere : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the base.</summary>
    protected StagedHemisphere(string name, HemisphereObjective objective, int inputChannels) : base(name)
    {
        Objective = objective ?? throw new ArgumentNullException(nameof(objective));
        InputChannels = inputChannels;
    }

    /// <summary>Number of stages.</summary>
    public abstract int StageCount { get; }
    /// <summary>Channels of every stage's output map.</summary>
    public abstract IReadOnlyList<int> StageChannels { get; }
    /// <summary>Length of the feature vector.</summary>
    public abstract int FeatureSize { get; }
    /// <summary>Whether callosal links may attach to its stages (false for a lattice, whose stages are recurrent).</summary>
    public abstract bool SupportsLinks { get; }
    /// <summary>A short description of the architecture, e.g. <c>ResNet-9 x0.125</c>.</summary>
    public abstract string Description { get; }
    /// <summary>What the hemisphere is trained on in stage 1.</summary>
    public HemisphereObjective Objective { get; }
    /// <summary>Expected image channels.</summary>
    public int InputChannels { get; }
    /// <summary>Whether <see cref="Freeze"/> is in effect.</summary>
    public bool IsFrozen { get; private set; }
    /// <summary>Number of parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The Kuramoto block applied to the output of stage <see cref="PhaseSyncOptions.AfterStage"/>, if any.</summary>
    public virtual PhaseSyncBlock? Sync => null;

    /// <summary>Runs stage <paramref name="index"/> on the previous stage's output (the image for stage 0); without the <see cref="Sync"/> block, which the caller applies.</summary>
    public abstract Tensor RunStage(int index, Tensor input);

    /// <summary>Maps the last stage's output to features (and the time distribution of a recurrent hemisphere).</summary>
    public abstract HemisphereReadout Readout(Tensor last);

    /// <summary>Stops gradients to every parameter and keeps every layer in evaluation mode from now on.</summary>
    public StagedHemisphere Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        IsFrozen = true;
        base.train(false);
        return this;
    }

    /// <summary>Undoes <see cref="Freeze"/>.</summary>
    public StagedHemisphere Unfreeze()
    {
        foreach (var p in parameters()) p.requires_grad = true;
        IsFrozen = false;
        return this;
    }

    /// <summary>Sets the training mode; a frozen hemisphere stays in evaluation mode.</summary>
    public override void train(bool on = true) => base.train(on && !IsFrozen);

    /// <summary>All stages and the readout: images (N, C, H, W) to features (N, <see cref="FeatureSize"/>).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, GetName());
        using var scope = NewDisposeScope();
        var x = input;
        for (int s = 0; s < StageCount; s++)
        {
            x = RunStage(s, x);
            if (Sync is { } sync && sync.Options.AfterStage == s) x = sync.Run(x).Output;
        }
        return Readout(x).Features.MoveToOuterDisposeScope();
    }
}
