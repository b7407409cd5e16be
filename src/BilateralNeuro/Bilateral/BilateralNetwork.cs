using BilateralNeuro.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// Two hemispheres read by a <see cref="BilateralHead"/>. Returns the logits of every head (e.g. <c>fine</c>,
/// <c>coarse</c>) plus the hemisphere features under <see cref="LeftFeatures"/> and <see cref="RightFeatures"/>.
/// Build with <see cref="Create"/>. state_dict keys: <c>left.backbone.*</c>, <c>right.backbone.*</c>,
/// <c>head.heads.fine.weight</c>, ...
/// </summary>
public sealed class BilateralNetwork : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    /// <summary>Output key of the left hemisphere's features.</summary>
    public const string LeftFeatures = "left_features";
    /// <summary>Output key of the right hemisphere's features.</summary>
    public const string RightFeatures = "right_features";

    private readonly Hemisphere left, right;
    private readonly BilateralHead head;

    /// <summary>Assembles a network from built parts (the builder validates its options first).</summary>
    public BilateralNetwork(Hemisphere left, Hemisphere right, BilateralHead head) : base(nameof(BilateralNetwork))
    {
        this.left = left ?? throw new ArgumentNullException(nameof(left));
        this.right = right ?? throw new ArgumentNullException(nameof(right));
        this.head = head ?? throw new ArgumentNullException(nameof(head));
        if (head.LeftFeatures != left.FeatureSize || head.RightFeatures != right.FeatureSize)
            throw new ArgumentException($"BilateralNetwork: the head expects {head.LeftFeatures}+{head.RightFeatures} features but the hemispheres give {left.FeatureSize}+{right.FeatureSize}.", nameof(head));
        RegisterComponents();
    }

    /// <summary>Starts the fluent builder: <c>BilateralNetwork.Create().Left(...).Right(...).Heads(...).Build()</c>.</summary>
    public static BilateralBuilder Create() => new();

    /// <summary>The left hemisphere.</summary>
    public Hemisphere Left => left;
    /// <summary>The right hemisphere.</summary>
    public Hemisphere Right => right;
    /// <summary>The heads.</summary>
    public BilateralHead Head => head;
    /// <summary>Number of parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Freezes both hemispheres (stage 2); their layers stay in evaluation mode.</summary>
    public BilateralNetwork FreezeHemispheres() => FreezeHemispheres(layersKeepTraining: false);

    /// <summary>Freezes both hemispheres (stage 2); see <see cref="Hemisphere.Freeze(bool)"/> for <paramref name="layersKeepTraining"/>.</summary>
    public BilateralNetwork FreezeHemispheres(bool layersKeepTraining)
    {
        left.Freeze(layersKeepTraining);
        right.Freeze(layersKeepTraining);
        return this;
    }

    /// <summary>Unfreezes both hemispheres (end-to-end training, stage 3).</summary>
    public BilateralNetwork UnfreezeHemispheres()
    {
        left.Unfreeze();
        right.Unfreeze();
        return this;
    }

    /// <summary>The two hemispheres' features for images (N, C, H, W).</summary>
    public (Tensor Left, Tensor Right) Features(Tensor images)
    {
        Guard.Rank(images, 4, nameof(BilateralNetwork), nameof(images));
        Guard.Floating(images, nameof(BilateralNetwork), nameof(images));
        return (left.call(images), right.call(images));
    }

    /// <summary>Logits per head plus both hemispheres' features.</summary>
    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        var (l, r) = Features(input);
        var result = head.call(l, r);
        result[LeftFeatures] = l;
        result[RightFeatures] = r;
        return result;
    }
}
