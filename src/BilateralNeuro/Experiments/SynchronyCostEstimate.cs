using System.Globalization;

namespace BilateralNeuro.Experiments;

/// <summary>One (model, seed) unit of a <see cref="SynchronyCostEstimate"/>.</summary>
/// <param name="Model">The model.</param>
/// <param name="TrainPasses">Image passes with a backward pass (training images × epochs, kernel-first epochs included).</param>
/// <param name="EvalPasses">Forward-only image passes (validation every epoch, every test condition).</param>
/// <param name="CpuSeconds">Estimated CPU seconds of the unit (one thread).</param>
public sealed record SynchronyCostItem(SynchronyModel Model, long TrainPasses, long EvalPasses, double CpuSeconds);

/// <summary>
/// The estimated CPU time of a <see cref="SynchronyExperiment"/> run (what <c>bilateral-neuro synchrony --dry-run</c>
/// prints): image passes per (model, seed) times a per-image CPU cost measured with <c>--threads 1</c> on a shared
/// 2-core machine (<see cref="TrainMillisecondsPerImage"/>), scaled by map area and by T for other scenes. A
/// planning figure (order of magnitude, ±50 %), not a measurement: the lead times the default idle.
/// </summary>
/// <param name="Items">One item per (model, seed) of the run.</param>
public sealed record SynchronyCostEstimate(IReadOnlyList<SynchronyCostItem> Items)
{
    /// <summary>Map side at which <see cref="TrainMillisecondsPerImage"/> was measured (16, T = 15, k = 13).</summary>
    public const int MeasuredMapSize = 16;
    /// <summary>Kuramoto steps at which <see cref="TrainMillisecondsPerImage"/> was measured.</summary>
    public const int MeasuredSteps = 15;
    /// <summary>Forward-only cost as a fraction of a training pass (forward + backward ≈ 3 forward passes).</summary>
    public const double EvalFraction = 1.0 / 3;

    /// <summary>
    /// CPU milliseconds per training image (forward + backward, batch 16, one thread) at 16 × 16, T = 15, k = 13.
    /// KomplexNet and KomplexNetFeedback: docs/synchrony-run/round3/cost-probe (user + sys CPU of a 1-seed run on a
    /// shared machine, start-up included). The controls and the real net are rounded up from the same probe; the
    /// round-3 default run (24 × 24) used about 93 CPU s per KomplexNet seed against the 96 s this table predicts.
    /// </summary>
    public static IReadOnlyDictionary<SynchronyModel, double> TrainMillisecondsPerImage { get; } = new Dictionary<SynchronyModel, double>
    {
        [SynchronyModel.Real] = 0.5,
        [SynchronyModel.RandomPhases] = 1.0,
        [SynchronyModel.IdealPhases] = 1.0,
        [SynchronyModel.KomplexNet] = 15,
        [SynchronyModel.KomplexNetFeedback] = 29,
    };

    /// <summary>Total estimated CPU seconds.</summary>
    public double CpuSeconds => Items.Sum(i => i.CpuSeconds);
    /// <summary>Total estimated CPU hours.</summary>
    public double CpuHours => CpuSeconds / 3600;

    /// <summary>Estimates a run of <paramref name="options"/> (validated here).</summary>
    public static SynchronyCostEstimate For(SynchronyExperimentOptions options)
    {
        Core.OptionsValidation.ThrowIfInvalid(options, new SynchronyExperimentOptionsValidator());
        long train = (long)Math.Round(options.TrainImages * (1 - options.ValidationFraction));
        long validation = options.TrainImages - train;
        int conditions = SynchronyExperiment.Conditions(options).Count;
        double area = (double)options.MapSize * options.MapSize / (MeasuredMapSize * MeasuredMapSize);
        var items = new List<SynchronyCostItem>();
        foreach (var model in options.Models)
        {
            bool kuramoto = model is SynchronyModel.KomplexNet or SynchronyModel.KomplexNetFeedback;
            // Kuramoto models run T coupled steps and T readouts; the fixed-phase controls run one readout.
            double perImage = TrainMillisecondsPerImage[model] / 1000 * area * (kuramoto ? (double)options.Steps / MeasuredSteps : 1);
            int epochs = options.Training.Epochs + (kuramoto ? options.Training.KernelFirstEpochs : 0);
            long trainPasses = train * epochs;
            long evalPasses = validation * epochs + (long)options.TestImages * conditions;
            double seconds = trainPasses * perImage + evalPasses * perImage * EvalFraction;
            foreach (int _ in options.SeedsToRun()) items.Add(new SynchronyCostItem(model, trainPasses, evalPasses, seconds));
        }
        return new SynchronyCostEstimate(items);
    }

    /// <summary>One line per model (per seed and all seeds), then the total in CPU hours and on 2 cores.</summary>
    public IReadOnlyList<string> Lines()
    {
        var ic = CultureInfo.InvariantCulture;
        var lines = Items.GroupBy(i => i.Model).Select(g => string.Create(ic,
            $"{g.Key}: {g.First().TrainPasses:N0} training + {g.First().EvalPasses:N0} evaluation image passes per seed, ~{g.First().CpuSeconds / 60:F1} CPU min per seed, {g.Count()} seed(s)")).ToList();
        lines.Add(string.Create(ic, $"total ~{CpuHours:F2} CPU hours (~{CpuHours / 2:F2} h on 2 cores with 2 shards at --threads 1; per-image costs measured on a shared 2-core machine, ±50 %)"));
        return lines;
    }
}
