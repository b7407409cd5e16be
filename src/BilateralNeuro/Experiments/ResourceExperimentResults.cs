using BilateralNeuro.Analysis;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Experiments;

/// <summary>One trained network of the trade-off sweep.</summary>
public sealed record TradeOffRow(double BreadthPressure, double DepthPressure, double TimePressure, double Accuracy,
    double AdaptiveAccuracy, int Breadth, int Depth, double ExpectedSteps, double AdaptiveSteps, string ChannelsPerLayer,
    long Parameters, long CompactParameters, double TrainSeconds);

/// <summary>Effective size against task complexity.</summary>
public sealed record GrowthRow(int Classes, int Clutter, double Accuracy, int Breadth, int Depth, double ExpectedSteps,
    string ChannelsPerLayer, double TrainSeconds);

/// <summary>Time taken at one test occlusion level.</summary>
public sealed record OcclusionRow(double Level, double AchievedFraction, double Accuracy, double AdaptiveAccuracy,
    double ExpectedSteps, double AdaptiveSteps);

/// <summary>Inference speed of one variant over the test set.</summary>
public sealed record SpeedRow(string Variant, double ImagesPerSecond, double Accuracy, double MeanSteps, long Parameters, double RelativeSpeed, long MacsPerStep);

/// <summary>Result of the time-under-occlusion experiment.</summary>
/// <param name="Rows">Per test occlusion level.</param>
/// <param name="StepsVsOcclusion">Spearman between each test image's achieved occluded fraction and its expected steps.</param>
/// <param name="StepsVsDifficulty">Spearman between each clean test image's expected steps and its difficulty (minus the margin).</param>
/// <param name="StepsVsReactionTime">Spearman with human reaction times when a CSV was given.</param>
/// <param name="Speed">Inference benchmark (gated / compacted, fixed T / adaptive).</param>
public sealed record OcclusionTimeResult(IReadOnlyList<OcclusionRow> Rows, CorrelationResult StepsVsOcclusion,
    CorrelationResult StepsVsDifficulty, CorrelationResult? StepsVsReactionTime, IReadOnlyList<SpeedRow> Speed) : IExperimentResult
{
    /// <summary>The seed of the trained network (<see cref="ResourceExperimentOptions.Seed"/>).</summary>
    public int Seed { get; init; }

    /// <summary>One row per test occlusion level: model "moderate pressure", condition "occlusion {level}", accuracies and expected steps.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ResultTable Table
    {
        get
        {
            var table = new ResultTable("resources");
            foreach (var r in Rows)
                table.Add("moderate pressure", $"occlusion {r.Level:G2}", Seed, new Dictionary<string, double>
                {
                    ["accuracy"] = r.Accuracy, ["adaptive accuracy"] = r.AdaptiveAccuracy, ["expected steps"] = r.ExpectedSteps,
                });
            return table;
        }
    }
}

/// <summary>Result of the trade-off sweep: one trained network per pressure setting of the grid.</summary>
/// <param name="Seed">The seed of every network (<see cref="ResourceExperimentOptions.Seed"/>).</param>
/// <param name="Rows">One row per grid point, in grid order.</param>
public sealed record TradeOffResult(int Seed, IReadOnlyList<TradeOffRow> Rows) : IExperimentResult
{
    /// <summary>One row per pressure setting: model "pressure b=.. d=.. t=..", condition "trade-off", accuracies and effective sizes.</summary>
    public ResultTable Table
    {
        get
        {
            var table = new ResultTable("resources");
            foreach (var r in Rows)
                table.Add($"pressure b={r.BreadthPressure:G2} d={r.DepthPressure:G2} t={r.TimePressure:G2}", "trade-off", Seed, new Dictionary<string, double>
                {
                    ["accuracy"] = r.Accuracy, ["adaptive accuracy"] = r.AdaptiveAccuracy, ["breadth"] = r.Breadth, ["depth"] = r.Depth,
                    ["expected steps"] = r.ExpectedSteps, ["parameters"] = r.Parameters, ["compact parameters"] = r.CompactParameters,
                });
            return table;
        }
    }
}
