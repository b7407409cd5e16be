using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>The 21-level (by default) happy-to-sad morph continuum: images, their levels and the occlusion shown.</summary>
/// <param name="Images">Labels: <c>morph</c> (level index), <c>valence</c> (1 when the level exceeds 0.5), <c>identity</c>.</param>
/// <param name="Levels">Valence of each level index (0 = sad .. 1 = happy).</param>
/// <param name="Occlusion">The occluded region.</param>
public sealed record MorphContinuum(LabeledImages Images, double[] Levels, FaceOcclusion Occlusion) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Labelled face sets rendered by a <see cref="FaceGenerator"/>: a valence training set, an identity task for
/// face-based pre-training and the morph continuum with its occlusion conditions. Images are uint8 (N, 3, S, S).
/// </summary>
public static class FaceDatasets
{
    /// <summary>Label level of the valence class (0 = negative, 1 = positive, 2 = neutral when present).</summary>
    public const string Valence = "valence";
    /// <summary>Label level of the identity.</summary>
    public const string Identity = "identity";
    /// <summary>Label level of the morph level index.</summary>
    public const string Morph = "morph";

    /// <summary>
    /// Valence set: per identity, <paramref name="perIdentity"/> images, half negative (valence in [0, 0.15]) and half
    /// positive ([0.85, 1]); with <paramref name="neutral"/> a third are neutral ([0.45, 0.55], class 2).
    /// </summary>
    public static LabeledImages ValenceSet(this FaceGenerator generator, IReadOnlyList<FaceIdentity> identities, int perIdentity, int seed,
        bool neutral = false, FaceOcclusion occlusion = FaceOcclusion.None, string name = "faces/valence")
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(identities);
        if (perIdentity < 2) throw new ArgumentOutOfRangeException(nameof(perIdentity), perIdentity, "FaceDatasets: at least 2 images per identity.");
        var rng = new Random(seed);
        int kinds = neutral ? 3 : 2;
        var ids = new List<FaceIdentity>();
        var val = new List<double>();
        var cls = new List<long>();
        var who = new List<long>();
        for (int i = 0; i < identities.Count; i++)
            for (int k = 0; k < perIdentity; k++)
            {
                int c = k % kinds;
                ids.Add(identities[i]);
                val.Add(c switch { 0 => 0.15 * rng.NextDouble(), 1 => 0.85 + 0.15 * rng.NextDouble(), _ => 0.45 + 0.1 * rng.NextDouble() });
                cls.Add(c);
                who.Add(i);
            }
        var nuisance = ids.Select(_ => generator.SampleNuisance(rng)).ToList();
        var images = RenderBytes(generator, ids, val, nuisance, occlusion, seed);
        var names = neutral ? new[] { "negative", "positive", "neutral" } : new[] { "negative", "positive" };
        return new LabeledImages(name, images,
            new Dictionary<string, Tensor> { [Valence] = torch.tensor(cls.ToArray()), [Identity] = torch.tensor(who.ToArray()) },
            new Dictionary<string, IReadOnlyList<string>> { [Valence] = names }, "procedural faces");
    }

    /// <summary>Per image of an identity task: its identity, a random valence and nuisance (one seeded stream), its label.</summary>
    private static (List<FaceIdentity> Ids, List<double> Valences, List<FaceNuisance> Nuisance, List<long> Who) SampleIdentityImages(
        FaceGenerator generator, IReadOnlyList<FaceIdentity> identities, int perIdentity, int seed)
    {
        var rng = new Random(seed);
        var ids = new List<FaceIdentity>();
        var val = new List<double>();
        var who = new List<long>();
        for (int i = 0; i < identities.Count; i++)
            for (int k = 0; k < perIdentity; k++) { ids.Add(identities[i]); val.Add(rng.NextDouble()); who.Add(i); }
        var nuisance = ids.Select(_ => generator.SampleNuisance(rng)).ToList();
        return (ids, val, nuisance, who);
    }

    /// <summary>Identity task for face-based pre-training: random expressions and nuisance, label = identity index.</summary>
    public static LabeledImages IdentitySet(this FaceGenerator generator, IReadOnlyList<FaceIdentity> identities, int perIdentity, int seed,
        string name = "faces/identity")
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(identities);
        if (perIdentity < 1) throw new ArgumentOutOfRangeException(nameof(perIdentity), perIdentity, "FaceDatasets: at least 1 image per identity.");
        var (ids, val, nuisance, who) = SampleIdentityImages(generator, identities, perIdentity, seed);
        var images = RenderBytes(generator, ids, val, nuisance, FaceOcclusion.None, seed);
        return new LabeledImages(name, images, new Dictionary<string, Tensor> { [Identity] = torch.tensor(who.ToArray()) },
            new Dictionary<string, IReadOnlyList<string>> { [Identity] = identities.Select(x => "id" + x.Id).ToArray() }, "procedural faces");
    }

    /// <summary>
    /// The morph continuum: every identity at <paramref name="levels"/> evenly spaced valences from 0 to 1, one
    /// nuisance per identity shared by all its levels (a morph of one photo pair), under one occlusion condition.
    /// </summary>
    public static MorphContinuum Continuum(this FaceGenerator generator, IReadOnlyList<FaceIdentity> identities, int seed,
        FaceOcclusion occlusion = FaceOcclusion.None, int levels = 21)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(identities);
        if (levels < 3) throw new ArgumentOutOfRangeException(nameof(levels), levels, "FaceDatasets: at least 3 morph levels.");
        var rng = new Random(seed);
        var perIdentity = identities.Select(_ => generator.SampleNuisance(rng)).ToList();
        var grid = Enumerable.Range(0, levels).Select(l => l / (double)(levels - 1)).ToArray();
        var ids = new List<FaceIdentity>();
        var val = new List<double>();
        var nuisance = new List<FaceNuisance>();
        var level = new List<long>();
        var who = new List<long>();
        for (int i = 0; i < identities.Count; i++)
            for (int l = 0; l < levels; l++) { ids.Add(identities[i]); val.Add(grid[l]); nuisance.Add(perIdentity[i]); level.Add(l); who.Add(i); }
        var images = RenderBytes(generator, ids, val, nuisance, occlusion, seed);
        var labels = new Dictionary<string, Tensor>
        {
            [Morph] = torch.tensor(level.ToArray()),
            [Valence] = torch.tensor(val.Select(v => v > 0.5 ? 1L : 0L).ToArray()),
            [Identity] = torch.tensor(who.ToArray()),
        };
        return new MorphContinuum(new LabeledImages($"faces/continuum/{occlusion.ToString().ToLowerInvariant()}", images, labels,
            new Dictionary<string, IReadOnlyList<string>> { [Valence] = ["negative", "positive"] }, "procedural faces"), grid, occlusion);
    }

    /// <summary>
    /// The identity task of <see cref="IdentitySet"/> as a plan rendered on demand: only the per-image parameters are
    /// held (a few hundred bytes per image instead of 3·S² bytes), and <see cref="FaceRenderPlan.Render"/> draws any batch
    /// of indices. For face pre-training over hundreds of identities at 128 px (16,000 images would hold 786 MB as uint8).
    /// </summary>
    /// <param name="generator">The renderer.</param>
    /// <param name="identities">Identities; label = position in this list.</param>
    /// <param name="perIdentity">Images per identity (random expression and nuisance each).</param>
    /// <param name="seed">Seed of expressions, nuisance and pixel noise.</param>
    public static FaceRenderPlan IdentityPlan(this FaceGenerator generator, IReadOnlyList<FaceIdentity> identities, int perIdentity, int seed)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(identities);
        if (identities.Count == 0) throw new ArgumentException("FaceDatasets: no identities.", nameof(identities));
        if (perIdentity < 1) throw new ArgumentOutOfRangeException(nameof(perIdentity), perIdentity, "FaceDatasets: at least 1 image per identity.");
        var (ids, val, nuisance, who) = SampleIdentityImages(generator, identities, perIdentity, seed);
        return new FaceRenderPlan(generator, ids, val, nuisance, who.ToArray(), seed);
    }

    /// <summary>
    /// The lab's canonical morph (JyBmegan/SE-AlexNet <c>1_Codes/predict.py</c>: 21 images <c>bm_ave_1..21</c> of one
    /// averaged face from sad to happy): one <see cref="FaceIdentity.Average"/> of <paramref name="identities"/>, centred
    /// with flat light (<see cref="FaceNuisance.Canonical"/>), at <paramref name="levels"/> evenly spaced valences
    /// 0 (sad) .. 1 (happy), one image per level. Labels as in <see cref="Continuum"/>; identity is 0.
    /// </summary>
    /// <param name="generator">The renderer (its size and pixel noise apply; noise is seeded by <paramref name="seed"/>).</param>
    /// <param name="identities">Identities averaged into the one face (e.g. the held-out test identities).</param>
    /// <param name="seed">Seed of the pixel noise.</param>
    /// <param name="occlusion">Region hidden in every image.</param>
    /// <param name="levels">Morph levels (21 in the lab).</param>
    public static MorphContinuum AveragedContinuum(this FaceGenerator generator, IReadOnlyList<FaceIdentity> identities, int seed = 0,
        FaceOcclusion occlusion = FaceOcclusion.None, int levels = 21)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(identities);
        if (levels < 3) throw new ArgumentOutOfRangeException(nameof(levels), levels, "FaceDatasets: at least 3 morph levels.");
        var average = FaceIdentity.Average(identities);
        var grid = Enumerable.Range(0, levels).Select(l => l / (double)(levels - 1)).ToArray();
        var ids = Enumerable.Repeat(average, levels).ToList();
        var nuisance = Enumerable.Repeat(FaceNuisance.Canonical, levels).ToList();
        var images = RenderBytes(generator, ids, grid.ToList(), nuisance, occlusion, seed);
        var labels = new Dictionary<string, Tensor>
        {
            [Morph] = torch.arange(levels, dtype: ScalarType.Int64),
            [Valence] = torch.tensor(grid.Select(v => v > 0.5 ? 1L : 0L).ToArray()),
            [Identity] = torch.zeros(levels, dtype: ScalarType.Int64),
        };
        return new MorphContinuum(new LabeledImages($"faces/averaged-continuum/{occlusion.ToString().ToLowerInvariant()}", images, labels,
            new Dictionary<string, IReadOnlyList<string>> { [Valence] = ["negative", "positive"] }, "procedural faces (averaged identity)"), grid, occlusion);
    }

    /// <summary>
    /// Images rendered per call of the float renderer at <paramref name="size"/> px. Rendering keeps about 75 float
    /// (S, S) planes per image alive until a chunk is converted to bytes, so the chunk is sized to hold that transient
    /// near <see cref="RenderBudgetBytes"/> (13 images at 128 px, 54 at 64 px, 4 at 224 px) instead of a fixed 256.
    /// </summary>
    public static int RenderChunk(int size) =>
        Math.Clamp((int)(RenderBudgetBytes / (RenderIntermediates * 4L * size * size)), 1, 256);

    /// <summary>Target bytes of the renderer's transient float intermediates per chunk (64 MB).</summary>
    public const long RenderBudgetBytes = 64L << 20;

    // Live (S, S) float32 planes per image while FaceGenerator.Render runs. Measured (peak RSS above a warmed-up baseline,
    // 512 faces at 128 px): one scope over the whole face and 256-image chunks, 4.0 GB (~240 planes per image); with a
    // scope per face part, 1.24 GB at 256 per chunk, 0.43 GB at 53, 0.28 GB at 32, 0.19 GB at 8 (~70 planes per image
    // plus a fixed ~0.15 GB).
    internal const int RenderIntermediates = 75;

    internal static int? ChunkOverride { get; set; }

    private static Tensor RenderBytes(FaceGenerator g, List<FaceIdentity> ids, List<double> val, List<FaceNuisance> nuisance, FaceOcclusion occlusion, int seed)
    {
        int chunk = ChunkOverride ?? RenderChunk(g.Size);
        // one preallocated uint8 result filled chunk by chunk (no list of parts + cat: that held the bytes twice)
        var all = torch.empty([ids.Count, 3, g.Size, g.Size], dtype: ScalarType.Byte);
        for (int start = 0; start < ids.Count; start += chunk)
        {
            int len = Math.Min(chunk, ids.Count - start);
            using var scope = NewDisposeScope();
            var img = g.Render(ids.GetRange(start, len), val.GetRange(start, len), nuisance.GetRange(start, len), occlusion, unchecked(seed * 7919 + start));
            all.narrow(0, start, len).copy_(img.mul(255).round().to(ScalarType.Byte));
        }
        return all;
    }
}

/// <summary>
/// Faces to render on demand: identity, valence and nuisance per image, plus identity labels. Rendering image i always
/// gives the same bytes (its pixel noise is seeded by the plan's seed and i), whatever batch it is drawn in.
/// </summary>
public sealed class FaceRenderPlan
{
    private readonly FaceGenerator generator;
    private readonly List<FaceIdentity> ids;
    private readonly List<double> valence;
    private readonly List<FaceNuisance> nuisance;
    private readonly long[] identity;
    private readonly int seed;

    internal FaceRenderPlan(FaceGenerator generator, List<FaceIdentity> ids, List<double> valence, List<FaceNuisance> nuisance, long[] identity, int seed)
    {
        this.generator = generator;
        this.ids = ids;
        this.valence = valence;
        this.nuisance = nuisance;
        this.identity = identity;
        this.seed = seed;
    }

    /// <summary>Images in the plan.</summary>
    public int Count => ids.Count;
    /// <summary>Number of identity classes.</summary>
    public int Identities => (int)identity.Max() + 1;
    /// <summary>Image side.</summary>
    public int Size => generator.Size;
    /// <summary>Identity label of every image (N).</summary>
    public Tensor IdentityLabels() => torch.tensor(identity);

    /// <summary>Renders the images at <paramref name="indices"/> as uint8 (n, 3, S, S), in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside [0, Count).</exception>
    public Tensor Render(long[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var i in indices)
            if (i < 0 || i >= Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"FaceRenderPlan: index must lie in [0, {Count}).");
        var result = torch.empty([indices.Length, 3, Size, Size], dtype: ScalarType.Byte);
        if (generator.Options.Noise > 0)
        {
            // per-image noise seed: the same image renders identically in any batch
            for (int j = 0; j < indices.Length; j++)
            {
                using var scope = NewDisposeScope();
                long i = indices[j];
                var img = generator.Render([ids[(int)i]], [valence[(int)i]], [nuisance[(int)i]], FaceOcclusion.None, unchecked(seed * 7919 + (int)i));
                result.narrow(0, j, 1).copy_(img.mul(255).round().to(ScalarType.Byte));
            }
            return result;
        }
        int chunk = FaceDatasets.RenderChunk(Size);
        for (int start = 0; start < indices.Length; start += chunk)
        {
            using var scope = NewDisposeScope();
            var part = indices.Skip(start).Take(chunk).Select(i => (int)i).ToList();
            var img = generator.Render(part.Select(i => ids[i]).ToList(), part.Select(i => valence[i]).ToList(), part.Select(i => nuisance[i]).ToList());
            result.narrow(0, start, part.Count).copy_(img.mul(255).round().to(ScalarType.Byte));
        }
        return result;
    }
}
