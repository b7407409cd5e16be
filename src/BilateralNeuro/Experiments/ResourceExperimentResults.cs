using BilateralNeuro.Analysis;

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
    CorrelationResult StepsVsDifficulty, CorrelationResult? StepsVsReactionTime, IReadOnlyList<SpeedRow> Speed);
