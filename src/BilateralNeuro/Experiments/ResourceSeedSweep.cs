using BilateralNeuro.Analysis;
using BilateralNeuro.Data;

namespace BilateralNeuro.Experiments;

/// <summary>Time under occlusion across seeds: each seed's result and the per-seed Spearman coefficients summarised across seeds.</summary>
/// <param name="Seeds">The seeds, in run order.</param>
/// <param name="PerSeed">Each seed's result (same order).</param>
/// <param name="StepsVsOcclusion">Spearman(occluded fraction, expected steps), one coefficient per seed (the unit of replication is the trained network), with a t CI across seeds.</param>
/// <param name="StepsVsDifficulty">Spearman(-margin on clean images, expected steps), one per seed, with a t CI across seeds.</param>
public sealed record OcclusionAcrossSeeds(IReadOnlyList<int> Seeds, IReadOnlyList<OcclusionTimeResult> PerSeed,
    CorrelationAcrossSeeds StepsVsOcclusion, CorrelationAcrossSeeds StepsVsDifficulty);

/// <summary>
/// Runs the resource protocols of <see cref="ResourceExperiments"/> once per seed of
/// <see cref="ResourceExperimentOptions.Seeds"/>. A within-network correlation over images (n = images x levels)
/// describes image-to-image variation of one trained network; across seeds it becomes a claim about the training
/// procedure, so the occlusion Spearman is computed per seed and summarised with <see cref="Statistics.AcrossSeeds"/>.
/// </summary>
public static class ResourceSeedSweep
{
    /// <summary>
    /// Runs <paramref name="run"/> for every seed, with <see cref="ResourceExperimentOptions.Seed"/> set to that seed
    /// on <paramref name="experiments"/>' options (restored afterwards).
    /// </summary>
    /// <exception cref="ArgumentException">No seeds, or repeated seeds.</exception>
    public static List<(int Seed, T Result)> ForEachSeed<T>(ResourceExperiments experiments, Func<ResourceExperiments, T> run)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        ArgumentNullException.ThrowIfNull(run);
        var o = experiments.Options;
        if (o.Seeds is null || o.Seeds.Count == 0) throw new ArgumentException("ResourceSeedSweep: Seeds is empty; give at least one seed (quick default 1,2,3).", nameof(experiments));
        if (o.Seeds.Distinct().Count() != o.Seeds.Count) throw new ArgumentException($"ResourceSeedSweep: Seeds must be distinct (got {string.Join(",", o.Seeds)}).", nameof(experiments));
        int original = o.Seed;
        var results = new List<(int, T)>();
        try
        {
            foreach (int seed in o.Seeds)
            {
                o.Seed = seed;
                results.Add((seed, run(experiments)));
            }
        }
        finally { o.Seed = original; }
        return results;
    }

    /// <summary>Time under occlusion for every seed, with the per-seed Spearman coefficients summarised across seeds.</summary>
    public static OcclusionAcrossSeeds OcclusionTime(ResourceExperiments experiments, LabeledImages train, LabeledImages test)
    {
        var runs = ForEachSeed(experiments, x => x.OcclusionTime(train, test));
        return new OcclusionAcrossSeeds(runs.Select(r => r.Seed).ToList(), runs.Select(r => r.Result).ToList(),
            Statistics.AcrossSeeds(runs.Select(r => r.Result.StepsVsOcclusion.Coefficient).ToList()),
            Statistics.AcrossSeeds(runs.Select(r => r.Result.StepsVsDifficulty.Coefficient).ToList()));
    }
}
