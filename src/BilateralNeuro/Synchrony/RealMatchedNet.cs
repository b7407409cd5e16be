using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The real-valued baseline matched in parameters to KomplexNet (reference: 107,467 parameters): Gabor-initialised
/// conv 1→8 5×5 + ReLU, conv 8→9 3×3 stride 2 + instance norm + ReLU, linear 2304→46 + layer norm + ReLU, linear
/// 46→10. Output <c>labels</c> (multi-label logits).
/// </summary>
public sealed class RealMatchedNet : Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly Conv2d amplitude, conv;
    private readonly InstanceNorm2d norm;
    private readonly Linear fc1, fc2;
    private readonly LayerNorm norm1;

    /// <summary>Creates the network.</summary>
    public RealMatchedNet(int inputChannels = 1, int inputSize = 32, int channels = 9, int hidden = 46, int classes = 10, bool gaborInit = true)
        : base(nameof(RealMatchedNet))
    {
        if (inputChannels < 1 || inputSize < 4 || inputSize % 2 != 0 || channels < 1 || hidden < 1 || classes < 2)
            throw new ArgumentOutOfRangeException(nameof(inputSize), $"{nameof(RealMatchedNet)}: sizes must be positive, the input even (got in {inputChannels}, size {inputSize}, channels {channels}, hidden {hidden}, classes {classes}).");
        InputChannels = inputChannels;
        InputSize = inputSize;
        amplitude = Conv2d(inputChannels, 8, 5, padding: 2, bias: false);
        if (gaborInit) using (no_grad()) amplitude.weight!.copy_(GaborBank.Create(8, 5, inputChannels));
        conv = Conv2d(8, channels, 3, stride: 2, padding: 1);
        norm = InstanceNorm2d(channels, affine: true);
        fc1 = Linear(channels * (inputSize / 2) * (inputSize / 2), hidden);
        norm1 = LayerNorm(hidden);
        fc2 = Linear(hidden, classes);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public int InputChannels { get; }
    /// <summary>Square input size.</summary>
    public int InputSize { get; }

    /// <summary>Outputs <c>labels</c> (N, classes).</summary>
    public override Dictionary<string, Tensor> forward(Tensor images)
    {
        Guard.ImageBatch(images, InputChannels, nameof(RealMatchedNet), "images", InputSize);
        using var scope = NewDisposeScope();
        var x = functional.relu(amplitude.call(images));
        x = functional.relu(norm.call(conv.call(x)));
        x = functional.relu(norm1.call(fc1.call(x.flatten(1))));
        return new Dictionary<string, Tensor> { ["labels"] = fc2.call(x).MoveToOuterDisposeScope() };
    }
}
