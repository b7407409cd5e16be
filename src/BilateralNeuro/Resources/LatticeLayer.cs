using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Resources;

/// <summary>
/// One layer of a <see cref="LatticeNetwork"/>: bias-free bottom-up, lateral and top-down convolutions (each optional),
/// a batch norm per step (or a per-channel bias) and the raw breadth gate. Convolutions have no bias so a silent
/// source contributes exactly zero, which keeps compaction exact.
/// </summary>
internal sealed class LatticeLayer : Module
{
    private readonly Conv2d? bottom_up, lateral, top_down;
    private readonly ModuleList<BatchNorm2d>? norms;
    private readonly Parameter? bias;
    private readonly Parameter gate;

    public LatticeLayer(int belowChannels, int channels, int aboveChannels, bool withLateral, int steps, bool batchNorm, int kernel, double initialGate)
        : base(nameof(LatticeLayer))
    {
        int pad = kernel / 2;
        Channels = channels;
        if (belowChannels > 0) bottom_up = Conv2d(belowChannels, channels, kernel, padding: pad, bias: false);
        if (withLateral) lateral = Conv2d(channels, channels, kernel, padding: pad, bias: false);
        if (aboveChannels > 0) top_down = Conv2d(aboveChannels, channels, kernel, padding: pad, bias: false);
        if (batchNorm) norms = new ModuleList<BatchNorm2d>(Enumerable.Range(0, steps).Select(_ => BatchNorm2d(channels)).ToArray());
        else bias = Parameter(zeros(channels));
        gate = Parameter(full(channels, initialGate));
        RegisterComponents();
    }

    public int Channels { get; }
    public Conv2d? BottomUp => bottom_up;
    public Conv2d? Lateral => lateral;
    public Conv2d? TopDown => top_down;
    public ModuleList<BatchNorm2d>? Norms => norms;
    public Parameter? Bias => bias;
    public Parameter Gate => gate;

    /// <summary>Normalises the summed drive of step <paramref name="step"/>.</summary>
    public Tensor Normalise(Tensor drive, int step) =>
        norms is not null ? norms[step].call(drive) : drive + bias!.reshape(1, -1, 1, 1);
}
