using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Resources;

/// <summary>
/// A recurrent convolutional network seen as a finite window (at most L layers x C channels x T steps) of an infinite
/// lattice. Layer l keeps a hidden state h_l(t) = relu(norm_t(B h_{l-1}(t) + L h_l(t-1) + T up(h_{l+1}(t-1)))) * g_l * d_l
/// with non-negative breadth gates g_l (per channel) and a depth gate d_l (per layer); a gated-off layer outputs zero
/// and so contributes nothing (to the readout, to its neighbours). The readout (global average pool of every layer,
/// then one linear map) gives logits at every step; a time distribution p over steps (input-dependent halting or a
/// learned fixed mixing) turns them into one answer. Implements <see cref="IResourceGated"/> for the
/// <see cref="ResourceCostPenalty"/>. Outputs: see <see cref="LatticeOutputs"/>.
/// </summary>
public sealed class LatticeNetwork : Module<Tensor, Dictionary<string, Tensor>>, IResourceGated
{
    private readonly ModuleList<LatticeLayer> layers;
    private readonly Parameter depth_gate;
    private readonly Linear readout;
    private readonly Linear? halting;
    private readonly Parameter? step_bias;
    private readonly Parameter? time_logits;
    private readonly LatticeSpec spec;

    /// <summary>Starts the fluent builder with default <see cref="LatticeOptions"/>: <c>LatticeNetwork.Create().MaxLayers(6).Build()</c>.</summary>
    public static LatticeBuilder Create() => new();

    /// <summary>Creates the full window described by <paramref name="options"/> (validated here).</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid (all are listed).</exception>
    public LatticeNetwork(LatticeOptions options) : this(LatticeSpec.Full(OptionsValidation.ThrowIfInvalid(options, new LatticeOptionsValidator())))
    {
        Options = options;
    }

    internal LatticeNetwork(LatticeSpec spec) : base(nameof(LatticeNetwork))
    {
        TorchRuntime.EnsureLoaded();
        this.spec = spec;
        int L = spec.Layers;
        bool lateralOn = (spec.Connections & Connections.Lateral) != 0;
        var list = new LatticeLayer[L];
        for (int l = 0; l < L; l++)
        {
            int below = spec.Below[l] switch { BelowSource.Input => spec.InputChannels, BelowSource.Previous => spec.Channels[l - 1], _ => 0 };
            int above = spec.FromAbove[l] ? spec.Channels[l + 1] : 0;
            list[l] = new LatticeLayer(below, spec.Channels[l], above, lateralOn, spec.Steps, spec.BatchNorm, spec.KernelSize, spec.InitialGate);
        }
        layers = new ModuleList<LatticeLayer>(list);
        depth_gate = Parameter(full(L, spec.InitialGate));
        int features = spec.Channels.Sum();
        readout = Linear(features, spec.Classes);
        if (spec.Time == TimeMode.Halting)
        {
            halting = Linear(features, 1, hasBias: false);
            using (no_grad()) halting.weight!.mul_(0.1);
            // Step biases logit(1 / (T - t)) make the initial halting distribution uniform over the T steps.
            var bias = Enumerable.Range(0, Math.Max(1, spec.Steps - 1))
                .Select(t => { double q = 1.0 / (spec.Steps - t); return (float)Math.Log(q / (1 - q + 1e-12) + 1e-12); }).ToArray();
            step_bias = Parameter(tensor(bias));
        }
        else time_logits = Parameter(zeros(spec.Steps));
        RegisterComponents();
    }

    /// <summary>The options of a full window; null for a compacted network.</summary>
    public LatticeOptions? Options { get; }
    /// <summary>Number of layers of this network.</summary>
    public int Layers => spec.Layers;
    /// <summary>Channels of every layer.</summary>
    public IReadOnlyList<int> LayerChannels => spec.Channels;
    /// <summary>For each layer, its index in the full window it was compacted from (0..L-1 for a full window).</summary>
    public IReadOnlyList<int> OriginalLayers => spec.OriginalIndex;
    /// <summary>Maximum number of steps T.</summary>
    public int Steps => spec.Steps;
    /// <summary>Number of classes.</summary>
    public int Classes => spec.Classes;
    /// <summary>Expected image channels.</summary>
    public int InputChannels => spec.InputChannels;
    /// <summary>Connection pattern.</summary>
    public Connections Connections => spec.Connections;
    /// <summary>Time distribution kind.</summary>
    public TimeMode TimeMode => spec.Time;
    /// <summary>Cumulative halting probability at which <see cref="InferAdaptive"/> stops an input.</summary>
    public double HaltThreshold => spec.HaltThreshold;

    internal LatticeSpec Spec => spec;
    internal LatticeLayer Layer(int l) => layers[l];
    internal Parameter RawDepthGate => depth_gate;
    internal Linear Readout => readout;
    internal Linear? HaltingUnit => halting;
    internal Parameter? StepBias => step_bias;
    internal Parameter? TimeLogits => time_logits;

    /// <inheritdoc />
    public IReadOnlyList<Tensor> BreadthGates() => Enumerable.Range(0, spec.Layers).Select(l => F.relu(layers[l].Gate)).ToList();

    /// <inheritdoc />
    public Tensor DepthGates() => F.relu(depth_gate);

    /// <inheritdoc />
    public Tensor? TimeDistribution(IReadOnlyDictionary<string, Tensor> outputs) =>
        outputs.TryGetValue(LatticeOutputs.Time, out var p) ? p : null;

    /// <summary>Runs all T steps on images (N, C, H, W); returns the outputs named in <see cref="LatticeOutputs"/>.</summary>
    public override Dictionary<string, Tensor> forward(Tensor input)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        var x = Prepare(input);
        var sizes = Sizes(x);
        var scales = Scales();
        var drive = InputDrive(x);
        var h = new Tensor?[spec.Layers];
        var logits = new List<Tensor>(spec.Steps);
        var lambdas = new List<Tensor>(spec.Steps);
        for (int t = 0; t < spec.Steps; t++)
        {
            h = Step(t, x.shape[0], drive, h, sizes, scales);
            var pooled = Pool(h);
            logits.Add(readout.call(pooled));
            if (halting is not null && t < spec.Steps - 1) lambdas.Add(Lambda(pooled, t));
        }
        var stepLogits = stack(logits, 1);
        long n = x.shape[0];
        var result = new Dictionary<string, Tensor>();
        Tensor p;
        if (halting is not null)
        {
            if (lambdas.Count > 0)
            {
                var lambda = stack(lambdas, 1);
                result[LatticeOutputs.Halting] = lambda;
                p = HaltingDistribution(lambda);
            }
            else p = ones(n, 1, device: x.device);
        }
        else p = F.softmax(time_logits!, 0).unsqueeze(0).expand(n, spec.Steps);
        var logMix = (p.clamp_min(1e-12).log().unsqueeze(2) + F.log_softmax(stepLogits, 2)).logsumexp(1);
        result[LatticeOutputs.Label] = logMix;
        result[LatticeOutputs.StepLogits] = stepLogits;
        result[LatticeOutputs.Time] = p;
        result[LatticeOutputs.ExpectedSteps] = ExpectedSteps(p);
        foreach (var v in result.Values) v.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// PonderNet's halting distribution from lambda (N, T - 1): p_t = lambda_t * prod_{j&lt;t}(1 - lambda_j) for t &lt; T
    /// and p_T = prod_{j&lt;T}(1 - lambda_j), so every row sums to one.
    /// </summary>
    public static Tensor HaltingDistribution(Tensor lambda)
    {
        Guard.Rank(lambda, 2, nameof(LatticeNetwork), nameof(lambda));
        using var scope = NewDisposeScope();
        var survive = (1 - lambda).cumprod(1);
        var before = cat([ones_like(lambda[.., ..1]), survive], 1);
        var p = cat([lambda * before[.., ..^1], before[.., ^1..]], 1);
        return p.MoveToOuterDisposeScope();
    }

    /// <summary>Expected number of steps sum_t t * p_t (t from 1) of a distribution (N, T).</summary>
    public static Tensor ExpectedSteps(Tensor p)
    {
        Guard.Rank(p, 2, nameof(LatticeNetwork), nameof(p));
        using var scope = NewDisposeScope();
        var t = arange(1, p.shape[1] + 1, dtype: p.dtype, device: p.device);
        return (p * t).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inference that really stops computing: runs step by step and drops every input from the batch once its
    /// cumulative halting probability reaches <paramref name="haltThreshold"/> (default <see cref="HaltThreshold"/>),
    /// answering with the logits of its halting step. The last step halts everything left. No autograd.
    /// </summary>
    public AdaptiveResult InferAdaptive(Tensor input, double? haltThreshold = null)
    {
        CheckInput(input);
        double threshold = haltThreshold ?? spec.HaltThreshold;
        if (threshold is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(haltThreshold), threshold, "LatticeNetwork: the halt threshold must lie in (0, 1].");
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        var x = Prepare(input);
        long n = x.shape[0];
        var sizes = Sizes(x);
        var scales = Scales();
        var drive = InputDrive(x);
        var h = new Tensor?[spec.Layers];
        var active = arange(n, dtype: ScalarType.Int64, device: x.device);
        var answer = zeros(n, spec.Classes, device: x.device);
        var steps = zeros(n, dtype: ScalarType.Int64, device: x.device);
        var cumulative = zeros(n, device: x.device);
        var survive = ones(n, device: x.device);
        var fixedP = time_logits is null ? null : F.softmax(time_logits, 0);
        long computed = 0;
        for (int t = 0; t < spec.Steps; t++)
        {
            computed += active.shape[0];
            h = Step(t, active.shape[0], drive, h, sizes, scales);
            var pooled = Pool(h);
            var logits = readout.call(pooled);
            Tensor halt;
            if (t == spec.Steps - 1) halt = ones(active.shape[0], dtype: ScalarType.Bool, device: x.device);
            else
            {
                Tensor pt;
                if (halting is not null)
                {
                    var lambda = Lambda(pooled, t);
                    pt = lambda * survive;
                    survive = survive * (1 - lambda);
                }
                else pt = fixedP![t].expand(active.shape[0]);
                cumulative = cumulative + pt;
                halt = cumulative.ge(threshold - 1e-6);
            }
            if (!halt.any().item<bool>()) continue;
            var idx = halt.nonzero().flatten();
            var who = active.index_select(0, idx);
            answer.index_copy_(0, who, logits.index_select(0, idx));
            steps.index_fill_(0, who, t + 1);
            var keep = halt.logical_not().nonzero().flatten();
            if (keep.shape[0] == 0) break;
            active = active.index_select(0, keep);
            drive = drive?.index_select(0, keep);
            for (int l = 0; l < h.Length; l++) h[l] = h[l]?.index_select(0, keep);
            cumulative = cumulative.index_select(0, keep);
            survive = survive.index_select(0, keep);
        }
        return new AdaptiveResult(answer.MoveToOuterDisposeScope(), steps.MoveToOuterDisposeScope(), computed);
    }

    /// <summary>Sets every breadth and depth gate at or below <paramref name="threshold"/> to exactly zero (in place).</summary>
    public void Prune(double threshold)
    {
        using var _ = no_grad();
        for (int l = 0; l < spec.Layers; l++) { var g = layers[l].Gate; g.masked_fill_(g.le(threshold), 0); }
        depth_gate.masked_fill_(depth_gate.le(threshold), 0);
    }

    /// <summary>
    /// Exports a smaller plain network without the channels and layers whose gates are at or below
    /// <paramref name="threshold"/>. Its outputs equal this network's after <see cref="Prune"/>(threshold) (up to
    /// float rounding). See <see cref="LatticeCompaction"/>.
    /// </summary>
    public LatticeNetwork Compact(double threshold = 0) => LatticeCompaction.Compact(this, threshold);

    /// <summary>
    /// Multiply-accumulates of the convolutions of one step for one image of <paramref name="height"/> x
    /// <paramref name="width"/> pixels (before <c>InputPool</c>); the cost model of compaction.
    /// </summary>
    public long MultiplyAccumulatesPerStep(long height, long width)
    {
        long h0 = height / spec.InputPool, w0 = width / spec.InputPool, k2 = (long)spec.KernelSize * spec.KernelSize, total = 0;
        long Area(int l) { long h = h0, w = w0; for (int i = 0; i < spec.Pools[l]; i++) { h = Halve(h); w = Halve(w); } return h * w; }
        for (int l = 0; l < spec.Layers; l++)
        {
            var layer = layers[l];
            long c = spec.Channels[l];
            if (spec.Below[l] == BelowSource.Input) total += spec.InputChannels * c * k2 * Area(l);
            else if (spec.Below[l] == BelowSource.Previous) total += spec.Channels[l - 1] * c * k2 * Area(l);
            if (layer.Lateral is not null) total += c * c * k2 * Area(l);
            if (layer.TopDown is not null) total += spec.Channels[l + 1] * c * k2 * Area(l + 1);
        }
        return total;
    }

    private void CheckInput(Tensor input)
    {
        long min = (long)spec.InputPool;
        Guard.ImageBatch(input, spec.InputChannels, nameof(LatticeNetwork), minSize: min);
        var device = readout.weight!.device;
        Guard.OnDevice(input, device, nameof(LatticeNetwork));
    }

    private Tensor Prepare(Tensor input) =>
        spec.InputPool > 1 ? F.avg_pool2d(input, [spec.InputPool, spec.InputPool]) : input;

    private (long H, long W)[] Sizes(Tensor x)
    {
        var sizes = new (long, long)[spec.Layers];
        for (int l = 0; l < spec.Layers; l++)
        {
            long h = x.shape[2], w = x.shape[3];
            for (int k = 0; k < spec.Pools[l]; k++) { h = Halve(h); w = Halve(w); }
            sizes[l] = (h, w);
        }
        return sizes;
    }

    private static long Halve(long s) => s <= 1 ? 1 : (s + 1) / 2;

    private Tensor[] Scales()
    {
        var d = F.relu(depth_gate);
        var s = new Tensor[spec.Layers];
        for (int l = 0; l < spec.Layers; l++) s[l] = (F.relu(layers[l].Gate) * d[l]).reshape(1, -1, 1, 1);
        return s;
    }

    private Tensor? InputDrive(Tensor x) =>
        spec.Below[0] == BelowSource.Input ? layers[0].BottomUp!.call(x) : null;

    private Tensor?[] Step(int t, long n, Tensor? inputDrive, Tensor?[] previous, (long H, long W)[] sizes, Tensor[] scales)
    {
        var next = new Tensor?[spec.Layers];
        for (int l = 0; l < spec.Layers; l++)
        {
            var layer = layers[l];
            Tensor? pre = null;
            if (spec.Below[l] == BelowSource.Input) pre = inputDrive;
            else if (spec.Below[l] == BelowSource.Previous) pre = layer.BottomUp!.call(Down(next[l - 1]!, sizes[l]));
            if (layer.Lateral is not null && previous[l] is not null) pre = Add(pre, layer.Lateral.call(previous[l]!));
            if (layer.TopDown is not null && previous[l + 1] is not null) pre = Add(pre, Up(layer.TopDown.call(previous[l + 1]!), sizes[l]));
            pre ??= zeros(n, spec.Channels[l], sizes[l].H, sizes[l].W, device: readout.weight!.device);
            next[l] = F.relu(layer.Normalise(pre, t)) * scales[l];
        }
        return next;
    }

    private static Tensor Add(Tensor? a, Tensor b) => a is null ? b : a + b;

    private static Tensor Down(Tensor h, (long H, long W) size)
    {
        while (h.shape[2] != size.H || h.shape[3] != size.W)
        {
            long kh = h.shape[2] > size.H ? 2 : 1, kw = h.shape[3] > size.W ? 2 : 1;
            h = F.max_pool2d(h, [kh, kw], [kh, kw], ceil_mode: true);
        }
        return h;
    }

    private static Tensor Up(Tensor z, (long H, long W) size) =>
        z.shape[2] == size.H && z.shape[3] == size.W ? z : F.interpolate(z, [size.H, size.W], mode: InterpolationMode.Nearest);

    private static Tensor Pool(Tensor?[] h) => cat(h.Select(x => x!.mean([2, 3])).ToList(), 1);

    private Tensor Lambda(Tensor pooled, int t) => F.sigmoid(halting!.call(pooled).squeeze(1) + step_bias![t]);
}

/// <summary>Result of <see cref="LatticeNetwork.InferAdaptive"/>.</summary>
/// <param name="Logits">(N, K) logits of each input's halting step.</param>
/// <param name="Steps">(N) int64 number of steps each input ran (1..T).</param>
/// <param name="ComputedSteps">Sum over steps of the inputs still in the batch (the work actually done, in input-steps).</param>
public sealed record AdaptiveResult(Tensor Logits, Tensor Steps, long ComputedSteps);
