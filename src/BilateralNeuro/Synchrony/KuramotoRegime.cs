using System.Globalization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The dimensionless quantities that decide what the Kuramoto oscillators of <see cref="KuramotoSyncLayer"/> do on a
/// C × H × W map, and whether a configuration stays in the regime the reference (KomplexNet, T = 15, k = 13,
/// ε = 0.202, η = 0.006 on 8 × 32 × 32) trained in. The coupling kernel is not normalised by its size (as in the
/// reference), so shrinking k or T changes the dynamics, not only their cost: with the near-flat initial kernel the
/// local attraction Σ K is ≈ 1,295 at k = 13 but ≈ 189 at k = 5, against a global repulsion ε·C·H·W ≈ 1,655.
/// Create with <see cref="Of(KuramotoOptions, long, long)"/> (initial kernel) or
/// <see cref="Of(KuramotoOptions, Tensor, long, long)"/> (any kernel, e.g. a trained one).
/// </summary>
/// <param name="Channels">Oscillator channels C.</param>
/// <param name="KernelSize">Kernel side k.</param>
/// <param name="Steps">Euler steps T.</param>
/// <param name="Epsilon">Global repulsion ε.</param>
/// <param name="StepSize">Euler step η.</param>
/// <param name="Height">Map height H.</param>
/// <param name="Width">Map width W.</param>
/// <param name="LocalCoupling">
/// Σ K over one oscillator's window (all C input channels × k × k), averaged over the output channels: the total local
/// attraction an oscillator feels when every neighbour has amplitude 1.
/// </param>
/// <param name="GlobalCoupling">ε·C·H·W: the total global repulsion when every oscillator has amplitude 1.</param>
public sealed record KuramotoRegime(int Channels, int KernelSize, int Steps, double Epsilon, double StepSize, long Height, long Width,
    double LocalCoupling, double GlobalCoupling)
{
    /// <summary>
    /// Allowed factor between a configuration's quantity and the reference's (2): the local/global ratio and the
    /// integrated local coupling must lie within [reference / 2, reference × 2], and the reach per map side must be at
    /// least reference / 2. The factor is a convention, not a measured boundary: the measured contrast it separates is
    /// the reference regime (ratio 0.78, integrated coupling 117, reach 2.8 map sides; within-object coherence 0.95
    /// after training) against the earlier quick preset T = 3, k = 5 (0.11, 3.4, 0.19; coherence 0.13, below random
    /// phases' 0.19), which is 7× to 34× away on every quantity.
    /// </summary>
    public const double Tolerance = 2.0;

    /// <summary>Map side of the reference (32: 50 × 50 canvases resized to 32 × 32).</summary>
    public const int ReferenceMapSide = 32;

    /// <summary>The reference regime: default <see cref="KuramotoOptions"/> on 32 × 32 maps.</summary>
    public static KuramotoRegime Reference { get; } = Of(new KuramotoOptions(), ReferenceMapSide, ReferenceMapSide);

    /// <summary>LocalCoupling / GlobalCoupling (∞ when ε = 0). Reference ≈ 0.78.</summary>
    public double LocalGlobalRatio => GlobalCoupling > 0 ? LocalCoupling / GlobalCoupling : double.PositiveInfinity;

    /// <summary>T·⌊k/2⌋: how many pixels information can travel through the local coupling in T steps. Reference 90.</summary>
    public long Reach => (long)Steps * (KernelSize / 2);

    /// <summary>The longer map side max(H, W).</summary>
    public long MapSide => Math.Max(Height, Width);

    /// <summary>Reach / map side. Reference 90 / 32 ≈ 2.8.</summary>
    public double ReachPerSide => (double)Reach / MapSide;

    /// <summary>η·T·LocalCoupling: the local coupling integrated over the T Euler steps. Reference ≈ 117.</summary>
    public double IntegratedLocalCoupling => StepSize * Steps * LocalCoupling;

    /// <summary>The quantities computed from the options' initial (Gaussian, <see cref="KuramotoOptions.KernelInitStd"/>) kernel.</summary>
    /// <param name="options">Oscillator options (validated).</param>
    /// <param name="height">Map height (e.g. 32).</param>
    /// <param name="width">Map width (e.g. 32).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A map side is not positive.</exception>
    public static KuramotoRegime Of(KuramotoOptions options, long height, long width)
    {
        KuramotoOptionsValidator.Check(options);
        CheckMap(height, width);
        int k = options.KernelSize;
        double s = 0;
        for (int y = 0; y < k; y++)
        for (int x = 0; x < k; x++)
        {
            double ry = Grid(y, k), rx = Grid(x, k);
            s += Math.Exp(-(ry * ry + rx * rx) / (2 * options.KernelInitStd * options.KernelInitStd));
        }
        return Create(options, height, width, s * options.Channels);
    }

    /// <summary>The quantities for an explicit kernel (C, C, k, k), e.g. a layer's trained <see cref="KuramotoSyncLayer.Kernel"/>.</summary>
    /// <param name="options">Oscillator options (validated; channels and kernel size must match the kernel).</param>
    /// <param name="kernel">Coupling kernel (C_out, C_in, k, k).</param>
    /// <param name="height">Map height.</param>
    /// <param name="width">Map width.</param>
    /// <exception cref="ArgumentException">The kernel's shape does not match the options.</exception>
    public static KuramotoRegime Of(KuramotoOptions options, Tensor kernel, long height, long width)
    {
        KuramotoOptionsValidator.Check(options);
        ArgumentNullException.ThrowIfNull(kernel);
        CheckMap(height, width);
        int c = options.Channels, k = options.KernelSize;
        if (!kernel.shape.SequenceEqual(new long[] { c, c, k, k }))
            throw new ArgumentException($"{nameof(KuramotoRegime)}: expected a kernel of shape [{c}, {c}, {k}, {k}] (Channels, Channels, KernelSize, KernelSize), got [{string.Join(", ", kernel.shape)}].", nameof(kernel));
        using var _ = torch.no_grad();
        using var sums = kernel.detach().to(ScalarType.Float64).sum([1, 2, 3]);
        using var mean = sums.mean();
        return Create(options, height, width, mean.item<double>());
    }

    /// <summary>The quantities of a layer's current kernel on H × W maps.</summary>
    public static KuramotoRegime Of(KuramotoSyncLayer layer, long height, long width)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Of(layer.Options, layer.Kernel, height, width);
    }

    /// <summary>True when every quantity lies within <see cref="Tolerance"/> of <see cref="Reference"/> (no <see cref="Departures"/>).</summary>
    public bool IsReferenceRegime => Departures().Count == 0;

    /// <summary>One sentence per quantity outside the tolerance band, naming its value and the allowed range; empty inside the regime.</summary>
    public IReadOnlyList<string> Departures()
    {
        var r = Reference;
        var list = new List<string>();
        if (!(LocalGlobalRatio >= r.LocalGlobalRatio / Tolerance && LocalGlobalRatio <= r.LocalGlobalRatio * Tolerance))
            list.Add(Invariant($"local/global coupling ratio {LocalGlobalRatio:G3} (Σ K {LocalCoupling:F0} vs ε·C·H·W {GlobalCoupling:F0}) is outside [{r.LocalGlobalRatio / Tolerance:F2}, {r.LocalGlobalRatio * Tolerance:F2}] (reference {r.LocalGlobalRatio:F2})"));
        if (!(ReachPerSide >= r.ReachPerSide / Tolerance))
            list.Add(Invariant($"reach T·⌊k/2⌋ = {Reach} px is {ReachPerSide:F2} map sides, below {r.ReachPerSide / Tolerance:F2} (reference {r.Reach} px = {r.ReachPerSide:F2} sides of {r.MapSide})"));
        if (!(IntegratedLocalCoupling >= r.IntegratedLocalCoupling / Tolerance && IntegratedLocalCoupling <= r.IntegratedLocalCoupling * Tolerance))
            list.Add(Invariant($"integrated local coupling η·T·Σ K = {IntegratedLocalCoupling:G3} is outside [{r.IntegratedLocalCoupling / Tolerance:F0}, {r.IntegratedLocalCoupling * Tolerance:F0}] (reference {r.IntegratedLocalCoupling:F0})"));
        return list;
    }

    /// <summary>A warning naming every departure and what the reference uses, or null inside the regime.</summary>
    public string? Warning
    {
        get
        {
            var d = Departures();
            if (d.Count == 0) return null;
            return Invariant($"Kuramoto configuration T = {Steps}, k = {KernelSize}, ε = {Epsilon}, η = {StepSize} on {Channels}×{Height}×{Width} leaves the regime the reference trained in (T = 15, k = 13, ε = 0.202, η = 0.006 on 8×32×32): ")
                + string.Join("; ", d) + ". The oscillators then behave differently, not only faster; to shrink a run, shrink the scene and keep these quantities.";
        }
    }

    /// <summary>One line with every quantity, e.g. for a log or a report.</summary>
    public string Describe() => Invariant(
        $"Kuramoto regime T = {Steps}, k = {KernelSize}, ε = {Epsilon}, η = {StepSize}, {Channels}×{Height}×{Width}: local Σ K {LocalCoupling:F0}, global ε·C·H·W {GlobalCoupling:F0}, ratio {LocalGlobalRatio:F2} (reference {Reference.LocalGlobalRatio:F2}); reach {Reach} px = {ReachPerSide:F2} map sides (reference {Reference.ReachPerSide:F2}); η·T·Σ K {IntegratedLocalCoupling:F1} (reference {Reference.IntegratedLocalCoupling:F1}); {(IsReferenceRegime ? "inside" : "outside")} the reference regime");

    /// <summary>Logs <see cref="Describe"/> as information and <see cref="Warning"/> (if any) as a warning.</summary>
    public void Log(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        logger.LogInformation("{Regime}", Describe());
        if (Warning is { } w) logger.LogWarning("{Warning}", w);
    }

    private static KuramotoRegime Create(KuramotoOptions o, long height, long width, double local) =>
        new(o.Channels, o.KernelSize, o.Steps, o.Epsilon, o.StepSize, height, width, local, o.Epsilon * o.Channels * height * width);

    // Same grid as KuramotoSyncLayer.GaussianKernel: linspace(−1, 1, k) (0 for k = 1).
    private static double Grid(int i, int k) => k == 1 ? 0 : -1 + 2.0 * i / (k - 1);

    private static void CheckMap(long height, long width)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "Map height must be at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Map width must be at least 1.");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
