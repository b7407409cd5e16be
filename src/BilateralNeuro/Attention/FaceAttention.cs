using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Attention;

/// <summary>
/// Channel attention by squeeze-and-excitation (global average → Linear(C, C/r) → ReLU → Linear(C/r, C) → sigmoid →
/// per-channel gate) with an optional CBAM-style spatial map (channel mean and max → k×k conv → sigmoid → per-pixel
/// gate). Accepts feature maps (N, C, H, W) or feature vectors (N, C) (then only the channel gate applies). The last
/// forward's gates are kept for inspection: <see cref="LastChannelWeights"/> (N, C) and <see cref="LastSpatialMap"/>
/// (N, H, W), both in [0, 1] on the CPU. state_dict keys: <c>fc1.*</c>, <c>fc2.*</c>, <c>spatial.*</c>.
/// With <see cref="AttentionMode.ResidualMlp"/> the same two layers instead add <c>fc2(relu(fc1(pool(x))))</c> to every
/// position of channel c (the parameter-matched ungated control; no gates are recorded).
/// </summary>
public sealed class FaceAttention : Module<Tensor, Tensor>
{
    private readonly Linear fc1, fc2;
    private readonly Conv2d? spatial;

    /// <summary>Creates the block for <paramref name="channels"/> channels.</summary>
    /// <param name="channels">Channels (or features) of the input.</param>
    /// <param name="options">Reduction, spatial map and kernel (validated).</param>
    public FaceAttention(int channels, FaceAttentionOptions? options = null) : base(nameof(FaceAttention))
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "FaceAttention: channels must be positive.");
        Options = OptionsValidation.ThrowIfInvalid(options ?? new FaceAttentionOptions(), new FaceAttentionOptionsValidator());
        Channels = channels;
        Hidden = Math.Max(1, channels / Options.Reduction);
        fc1 = Linear(channels, Hidden, hasBias: Options.Bias);
        fc2 = Linear(Hidden, channels, hasBias: Options.Bias);
        if (Options.Spatial) spatial = Conv2d(2, 1, Options.SpatialKernel, padding: Options.SpatialKernel / 2);
        RegisterComponents();
    }

    /// <summary>The validated options.</summary>
    public FaceAttentionOptions Options { get; }
    /// <summary>Input channels.</summary>
    public int Channels { get; }
    /// <summary>Width of the squeeze layer (channels / r, at least 1).</summary>
    public int Hidden { get; }
    /// <summary>Channel gates of the last forward (N, C), in [0, 1]; null before the first forward.</summary>
    public Tensor? LastChannelWeights { get; private set; }
    /// <summary>Spatial gates of the last forward (N, H, W), in [0, 1]; null without a spatial map or for vector input.</summary>
    public Tensor? LastSpatialMap { get; private set; }

    /// <summary>Gates (N, C, H, W) or (N, C) input; the output has the input's shape.</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 2 && input.dim() != 4)
            throw new ArgumentException($"FaceAttention: expected input (N, {Channels}, H, W) or (N, {Channels}), got {Guard.Describe(input)}.", nameof(input));
        if (input.shape[1] != Channels)
            throw new ArgumentException($"FaceAttention: expected {Channels} channels, got {Guard.Describe(input)}.", nameof(input));
        Guard.Floating(input, nameof(FaceAttention));
        using var scope = NewDisposeScope();
        bool map = input.dim() == 4;
        var squeezed = map ? input.mean([2, 3]) : input;
        var excitation = fc2.call(functional.relu(fc1.call(squeezed)));
        if (Options.Mode == AttentionMode.ResidualMlp)
        {
            // the ungated control: the same layers add a per-channel shift; nothing is rescaled
            var shifted = map ? input + excitation.unsqueeze(-1).unsqueeze(-1) : input + excitation;
            return shifted.MoveToOuterDisposeScope();
        }
        var gate = functional.sigmoid(excitation);
        var y = map ? input * gate.unsqueeze(-1).unsqueeze(-1) : input * gate;
        Tensor? spatialGate = null;
        if (spatial is not null && map)
        {
            var pooled = torch.cat([y.mean([1], keepdim: true), y.amax([1], keepdim: true)], 1);
            spatialGate = functional.sigmoid(spatial.call(pooled));
            y = y * spatialGate;
        }
        if (Options.RecordWeights) Record(gate, spatialGate);
        return y.MoveToOuterDisposeScope();
    }

    private void Record(Tensor gate, Tensor? spatialGate)
    {
        LastChannelWeights?.Dispose();
        LastSpatialMap?.Dispose();
        LastChannelWeights = gate.detach().cpu().clone().DetachFromDisposeScope();
        LastSpatialMap = spatialGate?.detach().squeeze(1).cpu().clone().DetachFromDisposeScope();
    }
}
