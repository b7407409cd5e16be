using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// Top-down Kuramoto coupling from a higher convolutional layer's previous-step output (N, C_high, H/s, W/s) to the
/// oscillators (N, C_low, H, W): dθ_i = η_fb·Σ_j K_ij b_j sin(φ_j − θ_i) with b = tanh|z_high|, φ = arg z_high and the
/// sum a transposed convolution (stride s, "same"-sized output). K starts at 1e-6 (near zero) and is learned.
/// state_dict key: <c>kernel</c> (C_high, C_low, k, k).
/// </summary>
public sealed class TopDownConvFeedback : Module<Tensor, ComplexActivation, Tensor>
{
    private readonly Parameter kernel;

    /// <summary>Creates the coupling.</summary>
    public TopDownConvFeedback(int lowChannels, int highChannels, int kernelSize = 11, int stride = 2, double stepSize = 0.006)
        : base(nameof(TopDownConvFeedback))
    {
        if (kernelSize < 1 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"{nameof(TopDownConvFeedback)}: kernel size must be odd and positive.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"{nameof(TopDownConvFeedback)}: stride must be positive.");
        if (!(stepSize > 0)) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"{nameof(TopDownConvFeedback)}: step size must be positive.");
        Stride = stride;
        StepSize = stepSize;
        kernel = new Parameter(torch.full(highChannels, lowChannels, kernelSize, kernelSize, 1e-6f));
        RegisterComponents();
    }

    /// <summary>Stride of the higher layer.</summary>
    public int Stride { get; }
    /// <summary>Euler step of this term.</summary>
    public double StepSize { get; }

    /// <summary>η_fb·dθ for the oscillator phases θ given the higher layer's output.</summary>
    public override Tensor forward(Tensor theta, ComplexActivation high)
    {
        using var scope = NewDisposeScope();
        var b = high.Magnitude.tanh();
        var bc = b * high.Phase.cos();
        var bs = b * high.Phase.sin();
        long k = kernel.shape[2];
        long outPad = theta.shape[2] - ((high.Shape[2] - 1) * Stride - 2 * (k / 2) + k);
        var both = F.conv_transpose2d(torch.cat([bc, bs], 0), kernel, strides: [Stride, Stride], padding: [k / 2, k / 2], output_padding: [outPad, outPad]);
        long n = theta.shape[0];
        var cc = both.narrow(0, 0, n);
        var cs = both.narrow(0, n, n);
        return (StepSize * (theta.cos() * cs - theta.sin() * cc)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Top-down Kuramoto coupling from a higher dense layer's previous-step output (N, U) to oscillators (N, C, H, W):
/// every unit of channel c gets η_fb·Σ_u K_cu b_u sin(φ_u − θ). K (C, U) starts at 1e-6. state_dict key: <c>kernel</c>.
/// </summary>
public sealed class TopDownDenseFeedback : Module<Tensor, ComplexActivation, Tensor>
{
    private readonly Parameter kernel;

    /// <summary>Creates the coupling.</summary>
    public TopDownDenseFeedback(int lowChannels, int units, double stepSize = 0.006) : base(nameof(TopDownDenseFeedback))
    {
        if (!(stepSize > 0)) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"{nameof(TopDownDenseFeedback)}: step size must be positive.");
        StepSize = stepSize;
        kernel = new Parameter(torch.full(lowChannels, units, 1e-6f));
        RegisterComponents();
    }

    /// <summary>Euler step of this term.</summary>
    public double StepSize { get; }

    /// <summary>η_fb·dθ for the oscillator phases θ (N, C, H, W) given the higher layer's output (N, U).</summary>
    public override Tensor forward(Tensor theta, ComplexActivation high)
    {
        using var scope = NewDisposeScope();
        var b = high.Magnitude.tanh();
        var cs = (b * high.Phase.sin()).matmul(kernel.t()).unsqueeze(-1).unsqueeze(-1); // (N, C, 1, 1)
        var cc = (b * high.Phase.cos()).matmul(kernel.t()).unsqueeze(-1).unsqueeze(-1);
        return (StepSize * (theta.cos() * cs - theta.sin() * cc)).MoveToOuterDisposeScope();
    }
}
