using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond;

/// <summary>
/// Two possibly different <see cref="StagedHemisphere"/>s (e.g. a narrow-deep ResNet and a wide-shallow network, or a
/// recurrent lattice), optional <see cref="CallosalLink"/>s between their intermediate stages, and the paper's
/// <see cref="BilateralHead"/>. Outputs like <see cref="BilateralNetwork"/>: logits per head plus
/// <c>left_features</c>/<c>right_features</c>, and <see cref="LeftTime"/>/<see cref="RightTime"/> for recurrent
/// hemispheres. Build with <see cref="BeyondBuilder"/>. state_dict keys: <c>left.*</c>, <c>right.*</c>,
/// <c>links.0.*</c>, <c>head.heads.fine.weight</c>, ...
/// </summary>
public sealed class AsymmetricBilateralNetwork : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    /// <summary>Output key of the left hemisphere's time distribution (recurrent hemispheres only).</summary>
    public const string LeftTime = "left_time";
    /// <summary>Output key of the right hemisphere's time distribution (recurrent hemispheres only).</summary>
    public const string RightTime = "right_time";

    private readonly StagedHemisphere left, right;
    private readonly ModuleList<CallosalLink> links;
    private readonly BilateralHead head;

    /// <summary>Assembles a network; links are checked against the hemispheres' stages.</summary>
    /// <exception cref="ArgumentException">A link does not fit the hemispheres (listed).</exception>
    public AsymmetricBilateralNetwork(StagedHemisphere left, StagedHemisphere right, IEnumerable<CallosalLink> links, BilateralHead head)
        : base(nameof(AsymmetricBilateralNetwork))
    {
        this.left = left ?? throw new ArgumentNullException(nameof(left));
        this.right = right ?? throw new ArgumentNullException(nameof(right));
        this.head = head ?? throw new ArgumentNullException(nameof(head));
        var list = (links ?? throw new ArgumentNullException(nameof(links))).ToArray();
        if (head.LeftFeatures != left.FeatureSize || head.RightFeatures != right.FeatureSize)
            throw new ArgumentException($"AsymmetricBilateralNetwork: the head expects {head.LeftFeatures}+{head.RightFeatures} features but the hemispheres give {left.FeatureSize}+{right.FeatureSize}.", nameof(head));
        var problems = LinkProblems(left, right, list.Select(l => l.Spec).ToList());
        for (int i = 0; i < list.Length && problems.Count == 0; i++)
        {
            var (src, dst) = Ends(list[i].Spec.Direction);
            if (list[i].SourceChannels != src.StageChannels[list[i].Spec.SourceStage] || list[i].TargetChannels != dst.StageChannels[list[i].Spec.TargetStage])
                problems.Add($"link {i} ({list[i].Spec}) maps {list[i].SourceChannels}->{list[i].TargetChannels} channels but the stages have {src.StageChannels[list[i].Spec.SourceStage]}->{dst.StageChannels[list[i].Spec.TargetStage]}.");
        }
        if (problems.Count > 0) throw new ArgumentException("AsymmetricBilateralNetwork: " + string.Join(" ", problems), nameof(links));
        this.links = new ModuleList<CallosalLink>(list);
        RegisterComponents();
    }

    /// <summary>The left hemisphere.</summary>
    public StagedHemisphere Left => left;
    /// <summary>The right hemisphere.</summary>
    public StagedHemisphere Right => right;
    /// <summary>The callosal links.</summary>
    public IReadOnlyList<CallosalLink> Links => links.ToList();
    /// <summary>The heads.</summary>
    public BilateralHead Head => head;
    /// <summary>Number of parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
    /// <summary>Number of parameters of the callosal links.</summary>
    public long LinkParameterCount => links.parameters().Sum(p => p.numel());

    /// <summary>Freezes both hemispheres and every link (stage 2).</summary>
    public AsymmetricBilateralNetwork FreezeHemispheres()
    {
        left.Freeze();
        right.Freeze();
        foreach (var p in links.parameters()) p.requires_grad = false;
        links.eval();
        return this;
    }

    /// <summary>Turns every link on or off.</summary>
    public void SetLinks(bool enabled)
    {
        foreach (var l in links) l.Enabled = enabled;
    }

    /// <summary>Both hemispheres' readouts, running them stage by stage and applying the enabled links in between.</summary>
    public (HemisphereReadout Left, HemisphereReadout Right) Features(Tensor images)
    {
        Guard.ImageBatch(images, left.InputChannels, nameof(AsymmetricBilateralNetwork), nameof(images));
        Guard.ImageBatch(images, right.InputChannels, nameof(AsymmetricBilateralNetwork), nameof(images));
        Guard.Floating(images, nameof(AsymmetricBilateralNetwork), nameof(images));
        var outL = new List<Tensor>();
        var outR = new List<Tensor>();
        var active = links.Where(l => l.Enabled).ToList();
        while (outL.Count < left.StageCount || outR.Count < right.StageCount)
        {
            bool progressed = Advance(left, outL, outR, CallosalDirection.RightToLeft, active, images)
                            | Advance(right, outR, outL, CallosalDirection.LeftToRight, active, images);
            if (!progressed) throw new InvalidOperationException("AsymmetricBilateralNetwork: the callosal links form a cycle.");
        }
        return (left.Readout(outL[^1]), right.Readout(outR[^1]));
    }

    /// <summary>Logits per head plus both hemispheres' features (and time distributions of recurrent hemispheres).</summary>
    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        var (l, r) = Features(input);
        var result = head.call(l.Features, r.Features);
        result[BilateralNetwork.LeftFeatures] = l.Features;
        result[BilateralNetwork.RightFeatures] = r.Features;
        if (l.Time is not null) result[LeftTime] = l.Time;
        if (r.Time is not null) result[RightTime] = r.Time;
        return result;
    }

    private static bool Advance(StagedHemisphere h, List<Tensor> own, List<Tensor> other, CallosalDirection incoming,
        List<CallosalLink> active, Tensor images)
    {
        int k = own.Count;
        if (k == h.StageCount) return false;
        var into = active.Where(l => l.Spec.Direction == incoming && l.Spec.TargetStage == k).ToList();
        if (into.Any(l => l.Spec.SourceStage >= other.Count)) return false;
        var y = h.RunStage(k, k == 0 ? images : own[k - 1]);
        foreach (var l in into) y = l.call(y, other[l.Spec.SourceStage]);
        own.Add(y);
        return true;
    }

    private (StagedHemisphere Source, StagedHemisphere Target) Ends(CallosalDirection d) =>
        d == CallosalDirection.LeftToRight ? (left, right) : (right, left);

    /// <summary>Every problem of placing <paramref name="specs"/> between <paramref name="left"/> and <paramref name="right"/>.</summary>
    public static List<string> LinkProblems(StagedHemisphere left, StagedHemisphere right, IReadOnlyList<CallosalLinkSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(specs);
        var errors = new List<string>();
        for (int i = 0; i < specs.Count; i++)
        {
            var s = specs[i];
            var (src, dst, sn, dn) = s.Direction == CallosalDirection.LeftToRight ? (left, right, "left", "right") : (right, left, "right", "left");
            if (!Enum.IsDefined(s.Direction) || !Enum.IsDefined(s.Mode)) { errors.Add($"link {i}: unknown direction or mode ({s.Direction}, {s.Mode})."); continue; }
            if (!src.SupportsLinks) errors.Add($"link {i} ({s}): the {sn} hemisphere ({src.Description}) has no intermediate stages for links.");
            if (!dst.SupportsLinks) errors.Add($"link {i} ({s}): the {dn} hemisphere ({dst.Description}) has no intermediate stages for links.");
            if (s.SourceStage < 0 || s.SourceStage >= src.StageCount) errors.Add($"link {i} ({s}): source stage must lie in [0, {src.StageCount - 1}] of the {sn} hemisphere (got {s.SourceStage}).");
            if (s.TargetStage < 0 || s.TargetStage >= dst.StageCount) errors.Add($"link {i} ({s}): target stage must lie in [0, {dst.StageCount - 1}] of the {dn} hemisphere (got {s.TargetStage}).");
        }
        if (errors.Count > 0) return errors;
        // Simulate the stage schedule on counts only: a cycle leaves both hemispheres waiting.
        int l = 0, r = 0;
        while (l < left.StageCount || r < right.StageCount)
        {
            bool moved = false;
            if (l < left.StageCount && specs.Where(x => x.Direction == CallosalDirection.RightToLeft && x.TargetStage == l).All(x => x.SourceStage < r)) { l++; moved = true; }
            if (r < right.StageCount && specs.Where(x => x.Direction == CallosalDirection.LeftToRight && x.TargetStage == r).All(x => x.SourceStage < l)) { r++; moved = true; }
            if (!moved) { errors.Add($"the links form a cycle (left waits at stage {l}, right at stage {r}); a link's source stage must be computable before its target stage."); break; }
        }
        return errors;
    }
}
