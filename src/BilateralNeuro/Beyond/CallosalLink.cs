using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Beyond;

/// <summary>How a callosal link merges the source hemisphere's map into the target's.</summary>
public enum CallosalMode
{
    /// <summary>target + conv1x1(source).</summary>
    Add,
    /// <summary>conv1x1(concat(target, source)) back to the target's channels.</summary>
    ConcatProject,
    /// <summary>target + sigmoid(conv1x1(concat(target, source))) * conv1x1(source): a per-pixel, per-channel gate.</summary>
    Gated,
    /// <summary>target + softmax(q k^T / sqrt(d)) v: every target position attends over the source's positions.</summary>
    Attention,
}

/// <summary>Direction of a callosal link.</summary>
public enum CallosalDirection
{
    /// <summary>From a left stage into a right stage.</summary>
    LeftToRight,
    /// <summary>From a right stage into a left stage.</summary>
    RightToLeft,
}

/// <summary>Where a callosal link sits and how it merges.</summary>
/// <param name="Direction">Source and target hemisphere.</param>
/// <param name="SourceStage">Stage of the source hemisphere whose output is sent.</param>
/// <param name="TargetStage">Stage of the target hemisphere whose output receives it (before the next stage).</param>
/// <param name="Mode">Merge mode.</param>
/// <param name="Enabled">Initial state of the link's switch.</param>
public sealed record CallosalLinkSpec(CallosalDirection Direction, int SourceStage, int TargetStage, CallosalMode Mode = CallosalMode.Gated, bool Enabled = true)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Direction == CallosalDirection.LeftToRight ? "L" : "R")}{SourceStage}->{(Direction == CallosalDirection.LeftToRight ? "R" : "L")}{TargetStage} {Mode}{(Enabled ? "" : " (off)")}";
}

/// <summary>
/// One cross-hemisphere connection (a piece of corpus callosum): maps a source feature map (N, Cs, Hs, Ws) into a
/// target map (N, Ct, Ht, Wt), resizing the source to the target's resolution (average pooling down, nearest up),
/// and merges it by <see cref="CallosalMode"/>. <see cref="Enabled"/> is the switch: off, the target passes unchanged
/// and no gradient reaches the source. state_dict keys: <c>project.weight</c>, <c>gate.weight</c>/<c>gate.bias</c>
/// (gated, concat), <c>query</c>/<c>key</c>/<c>value</c> (attention).
/// </summary>
public sealed class CallosalLink : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Conv2d? project, gate, query, key, value;

    /// <summary>Creates a link from <paramref name="sourceChannels"/> into <paramref name="targetChannels"/>.</summary>
    public CallosalLink(CallosalLinkSpec spec, int sourceChannels, int targetChannels, int attentionDim = 16) : base(nameof(CallosalLink))
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        if (sourceChannels < 1 || targetChannels < 1) throw new ArgumentOutOfRangeException(nameof(sourceChannels), "CallosalLink: channel counts must be positive.");
        SourceChannels = sourceChannels;
        TargetChannels = targetChannels;
        Enabled = spec.Enabled;
        switch (spec.Mode)
        {
            case CallosalMode.Add:
                project = nn.Conv2d(sourceChannels, targetChannels, 1, bias: false);
                break;
            case CallosalMode.ConcatProject:
                project = nn.Conv2d(targetChannels + sourceChannels, targetChannels, 1);
                break;
            case CallosalMode.Gated:
                project = nn.Conv2d(sourceChannels, targetChannels, 1, bias: false);
                gate = nn.Conv2d(targetChannels + sourceChannels, targetChannels, 1);
                break;
            case CallosalMode.Attention:
                int d = Math.Max(1, Math.Min(attentionDim, targetChannels));
                query = nn.Conv2d(targetChannels, d, 1, bias: false);
                key = nn.Conv2d(sourceChannels, d, 1, bias: false);
                value = nn.Conv2d(sourceChannels, targetChannels, 1, bias: false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Mode, "CallosalLink: unknown mode.");
        }
        RegisterComponents();
    }

    /// <summary>Position and mode.</summary>
    public CallosalLinkSpec Spec { get; }
    /// <summary>Channels of the source map.</summary>
    public int SourceChannels { get; }
    /// <summary>Channels of the target map.</summary>
    public int TargetChannels { get; }
    /// <summary>The switch: when false the link is the identity on the target.</summary>
    public bool Enabled { get; set; }

    /// <summary>The target map with the source's message merged in (or unchanged when disabled).</summary>
    public override Tensor forward(Tensor target, Tensor source)
    {
        Guard.ImageBatch(target, TargetChannels, nameof(CallosalLink), nameof(target));
        Guard.ImageBatch(source, SourceChannels, nameof(CallosalLink), nameof(source));
        if (target.shape[0] != source.shape[0])
            throw new ArgumentException($"CallosalLink: target has {target.shape[0]} rows but source has {source.shape[0]}.", nameof(source));
        if (!Enabled) return target;
        using var scope = NewDisposeScope();
        var s = Resize(source, target.shape[2], target.shape[3]);
        Tensor y = Spec.Mode switch
        {
            CallosalMode.Add => target + project!.call(s),
            CallosalMode.ConcatProject => project!.call(cat([target, s], 1)),
            CallosalMode.Gated => target + F.sigmoid(gate!.call(cat([target, s], 1))) * project!.call(s),
            _ => target + Attend(target, s),
        };
        return y.MoveToOuterDisposeScope();
    }

    private Tensor Attend(Tensor target, Tensor source)
    {
        long n = target.shape[0], h = target.shape[2], w = target.shape[3];
        var q = query!.call(target).flatten(2).transpose(1, 2);                  // (N, HtWt, d)
        var k = key!.call(source).flatten(2);                                    // (N, d, HsWs)
        var v = value!.call(source).flatten(2).transpose(1, 2);                  // (N, HsWs, Ct)
        var a = F.softmax(q.bmm(k) / Math.Sqrt(q.shape[2]), 2);
        return a.bmm(v).transpose(1, 2).reshape(n, TargetChannels, h, w);
    }

    private static Tensor Resize(Tensor x, long h, long w)
    {
        if (x.shape[2] == h && x.shape[3] == w) return x;
        if (x.shape[2] >= h && x.shape[3] >= w) return F.adaptive_avg_pool2d(x, [h, w]);
        return F.interpolate(x, [h, w], mode: InterpolationMode.Nearest);
    }
}
