using BilateralNeuro.Bilateral;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond.Training;

/// <summary>
/// The stage-1 heads of the two hemispheres, one per objective: dropout + linear classifier (classification), linear
/// decoder to the flattened image (reconstruction), or a two-layer projector to 64 dimensions (contrastive).
/// state_dict keys: <c>left.*</c>, <c>right.*</c>. Used only while training stage 1.
/// </summary>
public sealed class Stage1Heads : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> left, right;

    /// <summary>Creates the heads for <paramref name="network"/>.</summary>
    /// <param name="network">The network whose hemispheres are trained.</param>
    /// <param name="classes">Classes per label level (e.g. fine 10, coarse 4).</param>
    /// <param name="imageSize">C * H * W of an image (decoder output).</param>
    /// <param name="dropout">Dropout before a classifier.</param>
    public Stage1Heads(AsymmetricBilateralNetwork network, IReadOnlyDictionary<string, int> classes, long imageSize, double dropout) : base(nameof(Stage1Heads))
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(classes);
        left = Create(network.Left, classes, imageSize, dropout);
        right = Create(network.Right, classes, imageSize, dropout);
        RegisterComponents();
    }

    /// <summary>The left hemisphere's head.</summary>
    public nn.Module<Tensor, Tensor> Left => left;
    /// <summary>The right hemisphere's head.</summary>
    public nn.Module<Tensor, Tensor> Right => right;

    private static nn.Module<Tensor, Tensor> Create(StagedHemisphere h, IReadOnlyDictionary<string, int> classes, long imageSize, double dropout) => h.Objective.Kind switch
    {
        ObjectiveKind.Classification => nn.Sequential(("0", nn.Dropout(dropout)), ("1", nn.Linear(h.FeatureSize, classes.TryGetValue(h.Objective.Level!.Value.Key(), out var k) ? k
            : throw new ArgumentException($"Stage1Heads: no class count for level '{h.Objective.Level!.Value.Key()}'.", nameof(classes))))),
        ObjectiveKind.Reconstruction => nn.Linear(h.FeatureSize, imageSize),
        _ => nn.Sequential(("0", nn.Linear(h.FeatureSize, h.FeatureSize)), ("1", nn.ReLU()), ("2", nn.Linear(h.FeatureSize, 64))),
    };
}
