using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Attention;

/// <summary>Which of a pretrained backbone's weights a <see cref="TransferModel"/> carries over.</summary>
public enum TransferredLayers
{
    /// <summary>Conv features and fc6/fc7 are inherited; only the output layer is new.</summary>
    ConvAndFullyConnected,
    /// <summary>
    /// Only the conv features are carried; fc6, fc7 and the output layer are freshly initialised (PyTorch's default
    /// Linear init), as the stand-in lab's <c>load_weights</c> does (JyBmegan/SE-AlexNet, <c>3_Ablation(Codes)/train.py</c>).
    /// </summary>
    ConvOnly,
}

/// <summary>
/// A torchvision-layout network (AlexNet or VGG) set up for transfer: the conv <c>features</c> optionally frozen
/// (parameters without gradients, batch norm kept in eval mode even under <c>.train()</c>), the output layer replaced
/// for <see cref="Classes"/> classes, and an optional <see cref="FaceAttention"/> block at a chosen point. Returns its
/// logits under one named head (e.g. <c>valence</c>) so the shared <see cref="BilateralNeuro.Training.Trainer"/> trains it. The keys
/// stay torchvision's (<c>features.N</c>, <c>avgpool</c>, <c>classifier.N</c>) plus <c>attention.*</c>.
/// The forward splits at <see cref="CacheBoundary"/> into a frozen prefix (<see cref="ForwardFrozen"/>) and a
/// trainable suffix (<see cref="ForwardTrainable"/>), so frozen features can be computed once and cached.
/// </summary>
public sealed class TransferModel : Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly FaceAttention? attention;
    private readonly Sequential classifier;
    private readonly int attentionAfterFeature;

    /// <summary>Wraps <paramref name="backbone"/> (its modules are taken over, not copied).</summary>
    /// <param name="backbone">AlexNet or VGG, possibly pretrained.</param>
    /// <param name="classes">Classes of the new output layer.</param>
    /// <param name="head">Name of the output head.</param>
    /// <param name="attentionOptions">Attention block and where it goes, or null for none.</param>
    /// <param name="freezeFeatures">Freeze the conv features.</param>
    /// <param name="newOutputLayer">Replace the output Linear with a freshly initialised one for <paramref name="classes"/>.</param>
    /// <param name="transferred">
    /// Carry conv and fc6/fc7 weights (default) or only the conv weights: fc6/fc7 are then replaced by fresh layers and
    /// the backbone's old ones disposed (at width 1, fc6 alone is 150 MB), so do not run <paramref name="backbone"/> itself afterwards.
    /// </param>
    public TransferModel(ITorchvisionConvNet backbone, int classes, string head = "valence",
        FaceAttentionOptions? attentionOptions = null, bool freezeFeatures = true, bool newOutputLayer = true,
        TransferredLayers transferred = TransferredLayers.ConvAndFullyConnected)
        : base("Transfer" + (backbone ?? throw new ArgumentNullException(nameof(backbone))).Architecture)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "TransferModel: classes must be at least 1.");
        ArgumentException.ThrowIfNullOrWhiteSpace(head);
        Backbone = backbone;
        Head = head;
        Classes = classes;
        features = backbone.Features;
        avgpool = backbone.AvgPool;
        var children = backbone.Classifier.named_children().Select(c => (c.name, (Module<Tensor, Tensor>)c.module)).ToList();
        if (!Enum.IsDefined(transferred))
            throw new ArgumentOutOfRangeException(nameof(transferred), transferred, "TransferModel: transferred must be ConvAndFullyConnected or ConvOnly.");
        if (transferred == TransferredLayers.ConvOnly)
            for (int j = 0; j < children.Count; j++)
                if (j != backbone.OutputIndex && children[j].Item2 is Linear old)
                {
                    var fresh = Linear(old.weight!.shape[1], old.weight.shape[0], hasBias: old.bias is not null);
                    fresh.to(old.weight.device);
                    children[j] = (children[j].Item1, fresh);
                    old.Dispose();
                }
        if (newOutputLayer || classes != backbone.Classes || transferred == TransferredLayers.ConvOnly)
        {
            var fresh = Linear(backbone.HiddenFeatures, classes);
            if (children[backbone.OutputIndex].Item2 is Linear old) fresh.to(old.weight!.device);
            children[backbone.OutputIndex] = (children[backbone.OutputIndex].Item1, fresh);
        }
        Transferred = transferred;
        classifier = Sequential(children);
        attentionAfterFeature = -1;
        if (attentionOptions is not null)
        {
            OptionsValidation.ThrowIfInvalid(attentionOptions, new FaceAttentionOptionsValidator());
            int channels;
            switch (attentionOptions.Insertion)
            {
                case InsertionKind.AfterConvBlock:
                    var block = backbone.ConvBlocks.FirstOrDefault(b => string.Equals(b.Name, attentionOptions.Block, StringComparison.OrdinalIgnoreCase))
                        ?? throw new ArgumentException($"TransferModel: {backbone.Architecture} has no conv block '{attentionOptions.Block}'; blocks are {string.Join(", ", backbone.ConvBlocks.Select(b => b.Name))}.", nameof(attentionOptions));
                    attentionAfterFeature = block.EndIndex;
                    channels = block.Channels;
                    break;
                case InsertionKind.BeforeFc6: channels = backbone.FeatureChannels; break;
                default: channels = backbone.HiddenFeatures; break;
            }
            attention = new FaceAttention(channels, attentionOptions);
            Insertion = attentionOptions.Insertion;
            InsertionBlock = attentionOptions.Insertion == InsertionKind.AfterConvBlock ? attentionOptions.Block : null;
        }
        FeaturesFrozen = freezeFeatures;
        RegisterComponents();
        if (freezeFeatures)
        {
            foreach (var p in features.parameters()) p.requires_grad = false;
            features.eval();
        }
    }

    /// <summary>The wrapped network's description.</summary>
    public ITorchvisionConvNet Backbone { get; }
    /// <summary>Name of the output head.</summary>
    public string Head { get; }
    /// <summary>Output classes.</summary>
    public int Classes { get; }
    /// <summary>Which pretrained weights were carried over.</summary>
    public TransferredLayers Transferred { get; }
    /// <summary>Whether the conv features are frozen.</summary>
    public bool FeaturesFrozen { get; }
    /// <summary>The attention block, or null.</summary>
    public FaceAttention? FaceAttention => attention;
    /// <summary>Where the attention block sits (meaningless without one).</summary>
    public InsertionKind Insertion { get; }
    /// <summary>The conv block after which attention sits, for <see cref="InsertionKind.AfterConvBlock"/>.</summary>
    public string? InsertionBlock { get; }
    /// <summary>The conv trunk.</summary>
    public Sequential Features => features;
    /// <summary>The fully connected head.</summary>
    public Sequential Classifier => classifier;

    /// <summary>
    /// Where the forward splits: <c>features.K</c> when attention sits after a conv block ending at K, else
    /// <c>avgpool</c>. Everything up to it is frozen when <see cref="FeaturesFrozen"/>, so its output can be cached.
    /// </summary>
    public string CacheBoundary => attentionAfterFeature >= 0 ? $"features.{attentionAfterFeature}" : "avgpool";

    /// <summary>Whether <see cref="ForwardFrozen"/>'s output is fixed (the prefix is frozen and deterministic).</summary>
    public bool CanCacheFeatures => FeaturesFrozen;

    /// <summary>Keeps frozen features in eval mode (sticky under <c>.train()</c>).</summary>
    public override void train(bool on = true)
    {
        base.train(on);
        if (FeaturesFrozen) features.eval();
    }

    /// <summary>Logits (N, classes) under <see cref="Head"/>.</summary>
    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var logits = ForwardTrainable(ForwardFrozen(input)).MoveToOuterDisposeScope();
        return new Dictionary<string, Tensor> { [Head] = logits };
    }

    /// <summary>The prefix up to <see cref="CacheBoundary"/> (no attention inside it).</summary>
    public Tensor ForwardFrozen(Tensor input)
    {
        Guard.ImageBatch(input, Backbone.InputChannels, ModuleName, minSize: Backbone.MinimumInputSize);
        using var scope = NewDisposeScope();
        Tensor x = input;
        int end = attentionAfterFeature >= 0 ? attentionAfterFeature : features.Count - 1;
        for (int i = 0; i <= end; i++) x = ((Module<Tensor, Tensor>)features[i]).call(x);
        if (attentionAfterFeature < 0) x = avgpool.call(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The rest of the network from the output of <see cref="ForwardFrozen"/> to the logits.</summary>
    public Tensor ForwardTrainable(Tensor prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        using var scope = NewDisposeScope();
        Tensor x = prefix;
        if (attentionAfterFeature >= 0)
        {
            x = attention!.call(x);
            for (int i = attentionAfterFeature + 1; i < features.Count; i++) x = ((Module<Tensor, Tensor>)features[i]).call(x);
            x = avgpool.call(x);
        }
        else if (attention is not null && Insertion == InsertionKind.BeforeFc6) x = attention.call(x);
        x = x.flatten(1);
        for (int j = 0; j < classifier.Count; j++)
        {
            x = ((Module<Tensor, Tensor>)classifier[j]).call(x);
            if (j == Backbone.Fc6ActivationIndex && attention is not null && Insertion == InsertionKind.OnFc6) x = attention.call(x);
        }
        return x.MoveToOuterDisposeScope();
    }

    private string ModuleName => "Transfer" + Backbone.Architecture;
}
