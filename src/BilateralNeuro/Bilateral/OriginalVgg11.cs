using BilateralNeuro.Backbones;
using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// The bilateral code's VGG-11 hemisphere (Cerenaut/bilateral-brain models/vgg.py:22-32): torchvision's <c>vgg11</c>
/// WITHOUT batch norm, with its classifier kept except the last Linear, so the features are fc7's
/// (<see cref="FeatureSize"/> = 4096 at width 1; fc6 and fc7 keep ReLU and dropout 0.5). Images smaller than 32 px (e.g.
/// Fashion-MNIST's 28) are zero-padded to 32 so that the five max-pools fit; CIFAR images pass unchanged.
/// state_dict keys: <c>features.N.*</c>, <c>classifier.0.*</c> (fc6), <c>classifier.3.*</c> (fc7), as torchvision's
/// minus <c>classifier.6</c>. Initialised as torchvision does.
/// <para>
/// When the convolutional trunk ends at 1×1 (inputs of 32 px and up to 63 px: CIFAR, padded Fashion-MNIST), the
/// adaptive average pool only copies each channel into 7×7 = 49 positions, and fc6 multiplies the 49 copies by 49
/// weight columns. The forward pass then computes fc6 as one product with those columns summed per channel
/// (<c>linear(x, W.view(out, C, 49).sum(2), b)</c>): the same function of the same parameters, with the same gradients
/// (the sum hands every column the gradient its copy would get), at 1/49 of fc6's multiply-adds and without the pool.
/// Only the floating-point summation order differs from the pooled path.
/// </para>
/// </summary>
public sealed class OriginalVgg11 : FeatureExtractor
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;
    private readonly Linear fc6;
    private readonly nn.Module<Tensor, Tensor>[] afterFc6;
    private readonly int trunkChannels;
    private readonly long poolPositions;

    /// <summary>Creates the hemisphere backbone.</summary>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="width">Channel multiplier of the convolutions and of fc6/fc7 (original: 1).</param>
    public OriginalVgg11(int inputChannels = 3, double width = 1.0) : base(nameof(OriginalVgg11))
    {
        // Built from torchvision's layout (weights initialised like torchvision), then the last Linear is left out.
        var vgg = new Vgg(11, classes: 1, width: width, batchNorm: false, inputChannels: inputChannels);
        features = vgg.Features;
        avgpool = vgg.AvgPool;
        classifier = nn.Sequential(vgg.Classifier.named_children().Take(6)
            .Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)).ToArray());
        FeatureSize = vgg.HiddenFeatures;
        InputChannels = inputChannels;
        trunkChannels = vgg.FeatureChannels;
        poolPositions = (long)vgg.PoolSize * vgg.PoolSize;
        RegisterComponents();
        // Plain references into the registered classifier for the folded fc6 path (assigned after RegisterComponents,
        // so they add no state_dict keys): fc6 = classifier.0, then ReLU, Dropout, fc7, ReLU, Dropout.
        var children = classifier.children().Cast<nn.Module<Tensor, Tensor>>().ToArray();
        fc6 = (Linear)children[0];
        afterFc6 = children[1..];
    }

    /// <summary>fc7's width: 4096 at width 1.</summary>
    public override int FeatureSize { get; }
    /// <inheritdoc />
    public override int InputChannels { get; }
    /// <summary>Smallest side accepted; smaller images up to 32 px are padded (8 px is the floor).</summary>
    public override int MinimumInputSize => 8;

    /// <summary>Maps images (N, C, H, W) to fc7 features (N, <see cref="FeatureSize"/>).</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.ImageBatch(input, InputChannels, nameof(OriginalVgg11), minSize: MinimumInputSize);
        using var scope = NewDisposeScope();
        long h = input.shape[2], w = input.shape[3];
        var x = input;
        if (h < 32 || w < 32)
        {
            long ph = Math.Max(0, 32 - h), pw = Math.Max(0, 32 - w);
            x = nn.functional.pad(x, [pw / 2, pw - pw / 2, ph / 2, ph - ph / 2]);
        }
        var trunk = features.call(x);
        Tensor y;
        if (trunk.shape[2] == 1 && trunk.shape[3] == 1)
        {
            // 1×1 trunk: the pool would copy each channel into every position; sum fc6's columns instead (class remarks).
            var folded = fc6.weight!.view(fc6.weight.shape[0], trunkChannels, poolPositions).sum(2);
            y = nn.functional.linear(trunk.flatten(1), folded, fc6.bias);
            foreach (var m in afterFc6) y = m.call(y);
        }
        else y = classifier.call(avgpool.call(trunk).flatten(1));
        return y.MoveToOuterDisposeScope();
    }
}
