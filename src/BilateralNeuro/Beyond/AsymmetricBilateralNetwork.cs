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
    /// <summary>Output key of the left hemisphere's final oscillator phases (synchronised hemispheres only).</summary>
    public const string LeftPhase = "left_phase";
    /// <summary>Output key of the right hemisphere's final oscillator phases (synchronised hemispheres only).</summary>
    public const string RightPhase = "right_phase";
    /// <summary>Output key of the left hemisphere's oscillator amplitudes (synchronised hemispheres only).</summary>
    public const string LeftAmplitude = "left_amplitude";
    /// <summary>Output key of the right hemisphere's oscillator amplitudes (synchronised hemispheres only).</summary>
    public const string RightAmplitude = "right_amplitude";

    private readonly StagedHemisphere left, right;
    private readonly ModuleList<CallosalLink> links;
    private readonly BilateralHead head;
    private readonly SharedResourceBudget? budget;
    private double phaseCoupling;

    /// <summary>Starts the fluent builder (<see cref="BeyondBuilder"/>), which validates everything once at <see cref="BeyondBuilder.Build"/>.</summary>
    public static BeyondBuilder Create() => new();

    /// <summary>Assembles a network; links are checked against the hemispheres' stages.</summary>
    /// <exception cref="ArgumentException">A link does not fit the hemispheres (listed).</exception>
    /// <param name="left">Left hemisphere.</param>
    /// <param name="right">Right hemisphere.</param>
    /// <param name="links">Callosal links.</param>
    /// <param name="head">The heads.</param>
    /// <param name="phaseCoupling">Callosal phase coupling κ (see <see cref="PhaseCoupling"/>).</param>
    /// <param name="budget">A resource budget shared by two lattice hemispheres (see <see cref="Budget"/>), or null.</param>
    public AsymmetricBilateralNetwork(StagedHemisphere left, StagedHemisphere right, IEnumerable<CallosalLink> links, BilateralHead head, double phaseCoupling = 0,
        SharedResourceBudget? budget = null)
        : base(nameof(AsymmetricBilateralNetwork))
    {
        this.left = left ?? throw new ArgumentNullException(nameof(left));
        this.right = right ?? throw new ArgumentNullException(nameof(right));
        this.head = head ?? throw new ArgumentNullException(nameof(head));
        var list = (links ?? throw new ArgumentNullException(nameof(links))).ToArray();
        if (head.LeftFeatures != left.FeatureSize || head.RightFeatures != right.FeatureSize)
            throw new ArgumentException($"AsymmetricBilateralNetwork: the head expects {head.LeftFeatures}+{head.RightFeatures} features but the hemispheres give {left.FeatureSize}+{right.FeatureSize}.", nameof(head));
        var problems = LinkProblems(left, right, list.Select(l => l.Spec).ToList(), phaseCoupling > 0);
        problems.AddRange(CouplingProblems(left, right, phaseCoupling));
        this.phaseCoupling = phaseCoupling;
        for (int i = 0; i < list.Length && problems.Count == 0; i++)
        {
            var (src, dst) = Ends(list[i].Spec.Direction);
            if (list[i].SourceChannels != src.StageChannels[list[i].Spec.SourceStage] || list[i].TargetChannels != dst.StageChannels[list[i].Spec.TargetStage])
                problems.Add($"link {i} ({list[i].Spec}) maps {list[i].SourceChannels}->{list[i].TargetChannels} channels but the stages have {src.StageChannels[list[i].Spec.SourceStage]}->{dst.StageChannels[list[i].Spec.TargetStage]}.");
        }
        if (problems.Count > 0) throw new ArgumentException("AsymmetricBilateralNetwork: " + string.Join(" ", problems), nameof(links));
        if (budget is not null && (left is not LatticeHemisphere || right is not LatticeHemisphere))
            throw new ArgumentException($"AsymmetricBilateralNetwork: a shared resource budget needs two lattice hemispheres (got {left.Description} and {right.Description}).", nameof(budget));
        this.budget = budget;
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
    /// <summary>
    /// The resource budget shared by the two lattice hemispheres (registered as <c>budget</c>, parameter
    /// <c>budget.split_logit</c>), or null when each hemisphere pays its own penalty.
    /// </summary>
    public SharedResourceBudget? Budget => budget;
    /// <summary>
    /// Callosal phase coupling κ ≥ 0: when positive (both hemispheres synchronised), the two hemispheres' oscillators
    /// run in lockstep, each pulled toward the other's amplitude-weighted mean phase with strength κ
    /// (<see cref="PhaseSyncBlock.RunCoupled"/>). It has no parameters and can be changed after training.
    /// </summary>
    /// <exception cref="ArgumentException">κ is negative or not finite, a hemisphere is not synchronised, or the links would deadlock with lockstep oscillators.</exception>
    public double PhaseCoupling
    {
        get => phaseCoupling;
        set
        {
            var problems = CouplingProblems(left, right, value);
            if (problems.Count == 0 && value > 0) problems.AddRange(LinkProblems(left, right, links.Select(l => l.Spec).ToList(), true));
            if (problems.Count > 0) throw new ArgumentException("AsymmetricBilateralNetwork: " + string.Join(" ", problems), nameof(value));
            phaseCoupling = value;
        }
    }

    /// <summary>
    /// Seed of the per-sample phase rotations in evaluation mode (in training mode they come from the global
    /// generator). With a <see cref="PhaseCoupling"/> the outputs depend on the hemispheres' relative rotation, so this
    /// makes evaluation repeatable for a given batch; without one the outputs do not depend on it.
    /// </summary>
    public ulong EvaluationPhaseSeed { get; set; } = 20250502;

    /// <summary>Whether the hemispheres' oscillators run in lockstep (κ &gt; 0 and both synchronised).</summary>
    private bool Lockstep => phaseCoupling > 0 && left.Sync is not null && right.Sync is not null;

    private static List<string> CouplingProblems(StagedHemisphere left, StagedHemisphere right, double kappa)
    {
        var e = new List<string>();
        if (!double.IsFinite(kappa) || kappa < 0) e.Add($"the phase coupling must be a finite number >= 0 (got {kappa}).");
        else if (kappa > 0 && (left.Sync is null || right.Sync is null)) e.Add("a phase coupling needs both hemispheres synchronised (Synchronize(...)).");
        return e;
    }

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

    /// <summary>
    /// Both hemispheres' readouts, running them stage by stage and applying the enabled links in between. A
    /// synchronised hemisphere's <see cref="PhaseSyncBlock"/> acts on its stage's output after the incoming links;
    /// with a <see cref="PhaseCoupling"/> both blocks wait for each other and run in lockstep.
    /// </summary>
    public (HemisphereReadout Left, HemisphereReadout Right) Features(Tensor images)
    {
        Guard.ImageBatch(images, left.InputChannels, nameof(AsymmetricBilateralNetwork), nameof(images));
        Guard.ImageBatch(images, right.InputChannels, nameof(AsymmetricBilateralNetwork), nameof(images));
        Guard.Floating(images, nameof(AsymmetricBilateralNetwork), nameof(images));
        var sl = new Side(left);
        var sr = new Side(right);
        var active = links.Where(l => l.Enabled).ToList();
        bool lockstep = Lockstep;
        // Evaluation: the per-sample phase rotations come from a fixed seed, so outputs are repeatable for a batch.
        var generator = training ? null : new Generator(EvaluationPhaseSeed);
        while (sl.Out.Count < left.StageCount || sr.Out.Count < right.StageCount)
        {
            bool progressed = Advance(sl, sr, CallosalDirection.RightToLeft, active, images, lockstep, generator)
                            | Advance(sr, sl, CallosalDirection.LeftToRight, active, images, lockstep, generator);
            if (sl.Pending is not null && sr.Pending is not null)
            {
                (sl.Sync, sr.Sync) = PhaseSyncBlock.RunCoupled(left.Sync!, sl.Pending, right.Sync!, sr.Pending, phaseCoupling, generator);
                sl.Out.Add(sl.Sync.Output);
                sr.Out.Add(sr.Sync.Output);
                sl.Pending = sr.Pending = null;
                progressed = true;
            }
            if (!progressed) throw new InvalidOperationException("AsymmetricBilateralNetwork: the callosal links (with the lockstep oscillators of a phase coupling) form a cycle.");
        }
        return (left.Readout(sl.Out[^1]) with { Sync = sl.Sync }, right.Readout(sr.Out[^1]) with { Sync = sr.Sync });
    }

    private sealed class Side(StagedHemisphere hemisphere)
    {
        public StagedHemisphere Hemisphere { get; } = hemisphere;
        public List<Tensor> Out { get; } = [];
        public Tensor? Pending { get; set; }
        public PhaseSyncResult? Sync { get; set; }
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
        if (l.Sync is { } ls) { result[LeftPhase] = ls.Phase; result[LeftAmplitude] = ls.Amplitude; }
        if (r.Sync is { } rs) { result[RightPhase] = rs.Phase; result[RightAmplitude] = rs.Amplitude; }
        return result;
    }

    private static bool Advance(Side own, Side other, CallosalDirection incoming, List<CallosalLink> active, Tensor images, bool lockstep, Generator? generator)
    {
        var h = own.Hemisphere;
        int k = own.Out.Count;
        if (k == h.StageCount || own.Pending is not null) return false;
        var into = active.Where(l => l.Spec.Direction == incoming && l.Spec.TargetStage == k).ToList();
        if (into.Any(l => l.Spec.SourceStage >= other.Out.Count)) return false;
        var y = h.RunStage(k, k == 0 ? images : own.Out[k - 1]);
        foreach (var l in into) y = l.call(y, other.Out[l.Spec.SourceStage]);
        if (h.Sync is { } sync && sync.Options.AfterStage == k)
        {
            if (lockstep) { own.Pending = y; return true; }
            own.Sync = sync.Run(y, generator);
            y = own.Sync.Output;
        }
        own.Out.Add(y);
        return true;
    }

    private (StagedHemisphere Source, StagedHemisphere Target) Ends(CallosalDirection d) =>
        d == CallosalDirection.LeftToRight ? (left, right) : (right, left);

    /// <summary>
    /// Every problem of placing <paramref name="specs"/> between <paramref name="left"/> and <paramref name="right"/>;
    /// with <paramref name="lockstep"/> the synchronised stages of both hemispheres must also be reachable together.
    /// </summary>
    public static List<string> LinkProblems(StagedHemisphere left, StagedHemisphere right, IReadOnlyList<CallosalLinkSpec> specs, bool lockstep = false)
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
        // With lockstep oscillators a synchronised stage is pending until the other hemisphere's is too.
        int l = 0, r = 0;
        bool pl = false, pr = false;
        int syncL = lockstep && left.Sync is { } a ? a.Options.AfterStage : -1, syncR = lockstep && right.Sync is { } b ? b.Options.AfterStage : -1;
        while (l < left.StageCount || r < right.StageCount)
        {
            bool moved = false;
            if (!pl && l < left.StageCount && specs.Where(x => x.Direction == CallosalDirection.RightToLeft && x.TargetStage == l).All(x => x.SourceStage < r))
            {
                if (l == syncL) pl = true; else l++;
                moved = true;
            }
            if (!pr && r < right.StageCount && specs.Where(x => x.Direction == CallosalDirection.LeftToRight && x.TargetStage == r).All(x => x.SourceStage < l))
            {
                if (r == syncR) pr = true; else r++;
                moved = true;
            }
            if (pl && pr) { l++; r++; pl = pr = false; moved = true; }
            if (!moved) { errors.Add($"the links form a cycle (left waits at stage {l}, right at stage {r}{(lockstep ? ", oscillators in lockstep" : "")}); a link's source stage must be computable before its target stage."); break; }
        }
        return errors;
    }
}
