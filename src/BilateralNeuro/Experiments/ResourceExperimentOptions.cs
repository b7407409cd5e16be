using BilateralNeuro.Data;
using BilateralNeuro.Resources;

namespace BilateralNeuro.Experiments;

/// <summary>One point of the pressure grid.</summary>
/// <param name="Breadth">Breadth pressure.</param>
/// <param name="Depth">Depth pressure.</param>
/// <param name="Time">Time pressure.</param>
public sealed record Pressure(double Breadth, double Depth, double Time)
{
    /// <inheritdoc />
    public override string ToString() => $"b={Breadth:G3} d={Depth:G3} t={Time:G3}";
}

/// <summary>Options of <see cref="ResourceExperiments"/> (see <see cref="Quick"/> and <see cref="Full"/>).</summary>
public sealed class ResourceExperimentOptions
{
    /// <summary>Training images used (a seeded random subset of the training set). No validation split: nothing is selected.</summary>
    public int TrainCount { get; set; } = 2000;
    /// <summary>Test images used (a seeded random subset of the test set; the embedded test split is ordered).</summary>
    public int TestCount { get; set; } = 1000;
    /// <summary>Samples per step.</summary>
    public int BatchSize { get; set; } = 64;
    /// <summary>Seed of data order, occluders and initialisation.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>
    /// Seeds of a multi-seed run (<see cref="ResourceSeedSweep"/>): each seed redraws the data subset, the occluders and
    /// the initialisation, and every statistic is summarised across seeds (quick: 3 seeds, full: 5).
    /// </summary>
    public List<int> Seeds { get; set; } = [1, 2, 3];
    /// <summary>The lattice window (layers, channels, steps, connections, time mode); pressures are set per run.</summary>
    public LatticeOptions Lattice { get; set; } = new() { MaxLayers = 4, MaxChannels = 12, MaxSteps = 4, InputPool = 2, PoolEvery = 1, Cost = new() { ActiveThreshold = 0.05 } };
    /// <summary>Training of every run.</summary>
    public ResourceTrainerOptions Training { get; set; } = new() { Epochs = 4, LearningRate = 1e-2, GateLearningRate = 0.1 };
    /// <summary>Pressure grid of the trade-off sweep.</summary>
    public List<Pressure> Grid { get; set; } = [];
    /// <summary>Pressure of the growth and occlusion experiments.</summary>
    public Pressure Moderate { get; set; } = new(3e-2, 1e-1, 1e-2);
    /// <summary>Pressure of the time-under-occlusion experiment (time must be strong enough for easy inputs to halt early).</summary>
    public Pressure OcclusionPressure { get; set; } = new(1e-2, 3e-2, 6.5e-2);
    /// <summary>Class counts of the growth experiment.</summary>
    public List<int> Classes { get; set; } = [2, 5, 10];
    /// <summary>Clutter fragments of the growth experiment (crossed with 10 classes only, to keep it short).</summary>
    public List<int> Clutter { get; set; } = [0, 3];
    /// <summary>Occluder of the training and test sets.</summary>
    public OccluderKind Occluder { get; set; } = OccluderKind.Debris;
    /// <summary>Training images are occluded to fractions drawn uniformly from [0, this].</summary>
    public double MaxTrainOcclusion { get; set; } = 0.5;
    /// <summary>Test occlusion levels of the time-under-occlusion experiment.</summary>
    public List<double> OcclusionLevels { get; set; } = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
    /// <summary>Timed repetitions of the inference benchmark.</summary>
    public int BenchmarkRepeats { get; set; } = 3;
    /// <summary>Optional CSV of human reaction times (header <c>image_id,rt_ms</c>; image_id = 0-based index into the test split; images outside the evaluated subset are ignored).</summary>
    public string? ReactionTimes { get; set; }

    /// <summary>
    /// The default: a 5-point grid (none, each resource alone, all three), 4 epochs on 1,500 digits, 600 test digits,
    /// seeds 1, 2, 3 - sized so that the CLI default (3 seeds x (5 points + occlusion) = 18 trainings) takes about
    /// 4 CPU-minutes with one thread (measured on a shared machine: 19 s CPU for one 2,000-image training).
    /// </summary>
    public static ResourceExperimentOptions Quick() => new()
    {
        TrainCount = 1500, TestCount = 600,
        Grid = [new(0, 0, 0), new(1e-1, 0, 0), new(0, 5e-1, 0), new(0, 0, 2e-1), new(1e-1, 5e-1, 2e-1)],
    };

    /// <summary>A larger grid (3 levels per resource), more data, more epochs and a wider window.</summary>
    public static ResourceExperimentOptions Full()
    {
        var levels = new[] { 0.0, 1.0, 3.0 };
        var grid = from b in levels from d in levels from t in levels select new Pressure(1e-2 * b, 3e-2 * d, 1e-2 * t);
        return new()
        {
            TrainCount = 8000, TestCount = 2000,
            Lattice = new() { MaxLayers = 6, MaxChannels = 32, MaxSteps = 8, InputPool = 2, PoolEvery = 1, Cost = new() { ActiveThreshold = 0.05 } },
            Training = new() { Epochs = 8, LearningRate = 1e-2, GateLearningRate = 0.1 },
            Grid = grid.ToList(),
            Classes = [2, 3, 4, 6, 8, 10],
            Clutter = [0, 2, 4],
            Seeds = [1, 2, 3, 4, 5],
        };
    }
}
