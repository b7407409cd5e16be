using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// One hemisphere: a backbone mapping images (N, C, H, W) to features (N, <see cref="FeatureSize"/>), optionally
/// specialised in one label level. <see cref="Freeze()"/> stops its gradients and keeps all its layers (batch norm in
/// particular) in evaluation mode even when a parent module calls <c>train()</c>, so its running statistics stay put.
/// state_dict keys: <c>backbone.*</c>.
/// </summary>
public sealed class Hemisphere : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> backbone;

    internal Hemisphere(nn.Module<Tensor, Tensor> backbone, int featureSize, BackboneKind kind, LabelLevel? specialization,
        double width, int? inputChannels) : base(nameof(Hemisphere))
    {
        this.backbone = backbone;
        FeatureSize = featureSize;
        Kind = kind;
        Specialization = specialization;
        Width = width;
        InputChannels = inputChannels;
        RegisterComponents();
    }

    /// <summary>Starts a fluent ResNet-9 hemisphere.</summary>
    public static HemisphereBuilder ResNet9() => new HemisphereBuilder().ResNet9();
    /// <summary>Starts a fluent CIFAR-style ResNet-18 hemisphere.</summary>
    public static HemisphereBuilder ResNet18() => new HemisphereBuilder().ResNet18();
    /// <summary>Starts a fluent CIFAR-style ResNet-34 hemisphere.</summary>
    public static HemisphereBuilder ResNet34() => new HemisphereBuilder().ResNet34();
    /// <summary>Starts a fluent VGG-11 hemisphere.</summary>
    public static HemisphereBuilder Vgg11() => new HemisphereBuilder().Vgg11();

    /// <summary>Wraps a built backbone (any <see cref="FeatureExtractor"/>); its <see cref="FeatureExtractor.FeatureSize"/> is the hemisphere's.</summary>
    public static Hemisphere From(FeatureExtractor backbone, LabelLevel? specialization = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return From(backbone, backbone.FeatureSize, specialization);
    }

    /// <summary>Wraps any module mapping images to (N, <paramref name="featureSize"/>) features.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureSize"/> is not positive.</exception>
    public static Hemisphere From(nn.Module<Tensor, Tensor> backbone, int featureSize, LabelLevel? specialization = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (featureSize < 1) throw new ArgumentOutOfRangeException(nameof(featureSize), featureSize, "Hemisphere: feature size must be positive.");
        return new Hemisphere(backbone, featureSize, BackboneKind.Custom, specialization, 1.0, null);
    }

    /// <summary>Length of the feature vector.</summary>
    public int FeatureSize { get; }
    /// <summary>The backbone architecture.</summary>
    public BackboneKind Kind { get; }
    /// <summary>The label level trained in stage 1, or null.</summary>
    public LabelLevel? Specialization { get; }
    /// <summary>Channel multiplier of built-in backbones.</summary>
    public double Width { get; }
    /// <summary>Image channels of built-in backbones (null for custom ones).</summary>
    public int? InputChannels { get; }
    /// <summary>Whether <see cref="Freeze()"/> is in effect.</summary>
    public bool IsFrozen { get; private set; }
    /// <summary>The wrapped backbone (e.g. to pick a layer for Grad-CAM).</summary>
    public nn.Module<Tensor, Tensor> Backbone => backbone;
    /// <summary>Number of parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The last 2-D convolution of the backbone (the usual Grad-CAM layer), or null.</summary>
    public Conv2d? LastConv() => backbone.modules().OfType<Conv2d>().LastOrDefault();

    /// <summary>Stops gradients to every parameter and keeps every layer in evaluation mode from now on.</summary>
    public Hemisphere Freeze() => Freeze(layersKeepTraining: false);

    /// <summary>
    /// Stops gradients to every parameter. With <paramref name="layersKeepTraining"/> false every layer stays in
    /// evaluation mode from now on; with true the layers keep following <c>train()</c>, so batch-norm running statistics
    /// still move in training mode (the original bilateral code's freeze, models/macro.py:216-218).
    /// </summary>
    public Hemisphere Freeze(bool layersKeepTraining)
    {
        foreach (var p in parameters()) p.requires_grad = false;
        IsFrozen = true;
        LayersTrainWhileFrozen = layersKeepTraining;
        if (!layersKeepTraining) base.train(false);
        return this;
    }

    /// <summary>Whether the layers of a frozen hemisphere still follow <c>train()</c> (see <see cref="Freeze(bool)"/>).</summary>
    public bool LayersTrainWhileFrozen { get; private set; }

    /// <summary>Sets the momentum of every batch norm of the backbone (PyTorch convention: new = (1 - m) old + m batch).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is not in (0, 1].</exception>
    public Hemisphere BatchNormMomentum(double momentum)
    {
        if (!(momentum > 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Hemisphere: batch-norm momentum must lie in (0, 1].");
        foreach (var bn in modules().OfType<BatchNorm2d>()) bn.momentum = momentum;
        return this;
    }

    /// <summary>Undoes <see cref="Freeze()"/> (parameters trainable again; the mode follows the next <c>train()</c>).</summary>
    public Hemisphere Unfreeze()
    {
        foreach (var p in parameters()) p.requires_grad = true;
        IsFrozen = false;
        LayersTrainWhileFrozen = false;
        return this;
    }

    /// <summary>Sets the training mode; a frozen hemisphere stays in evaluation mode.</summary>
    public override void train(bool on = true) => base.train(on && (!IsFrozen || LayersTrainWhileFrozen));

    /// <summary>Maps images to features (N, <see cref="FeatureSize"/>).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.Rank(input, 4, nameof(Hemisphere));
        var features = backbone.call(input);
        if (features.dim() != 2 || features.shape[1] != FeatureSize)
            throw new InvalidOperationException($"Hemisphere: the backbone returned {Guard.Describe(features)} but the hemisphere declares {FeatureSize} features (N, {FeatureSize}).");
        return features;
    }

}
