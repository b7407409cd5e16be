using TorchSharp;
using static TorchSharp.torch;
using Fn = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>
/// Procedural face renderer built from tensor ops (soft ellipses, bands and triangles painted in layers, vectorised
/// over the batch). Identities (<see cref="FaceIdentity"/>) differ in face shape, eye spacing, nose, skin tone and
/// hair. Expression is one continuous valence in [0, 1] that moves three cues together: mouth curvature (frown →
/// smile), brows (inner ends raised when sad → level when happy) and eye openness (droopy → open). Nuisance
/// (<see cref="FaceNuisance"/>): position, scale, lighting gradient, brightness, background and pixel noise.
/// Occluders hide the eye/brow, nose or mouth box in grey; <see cref="RegionMasks"/> returns the same boxes.
/// </summary>
public sealed class FaceGenerator
{
    private static readonly double[][] HairPalette = [[0.08, 0.06, 0.05], [0.3, 0.18, 0.1], [0.55, 0.38, 0.2], [0.85, 0.7, 0.4], [0.6, 0.25, 0.1], [0.7, 0.7, 0.7]];
    private static readonly double[][] IrisPalette = [[0.35, 0.22, 0.1], [0.25, 0.45, 0.7], [0.3, 0.5, 0.3], [0.15, 0.1, 0.08]];

    /// <summary>Creates a generator.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Options invalid (all listed).</exception>
    public FaceGenerator(FaceGeneratorOptions? options = null) => Options = FaceGeneratorOptionsValidator.Check(options ?? new FaceGeneratorOptions());

    /// <summary>The validated options.</summary>
    public FaceGeneratorOptions Options { get; }
    /// <summary>Image side in pixels.</summary>
    public int Size => Options.Size;

    /// <summary>Samples <paramref name="count"/> identities with ids starting at <paramref name="firstId"/>.</summary>
    public IReadOnlyList<FaceIdentity> SampleIdentities(int count, int seed, int firstId = 0)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "FaceGenerator: at least one identity.");
        var rng = new Random(seed);
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        var list = new List<FaceIdentity>(count);
        for (int i = 0; i < count; i++)
        {
            double tone = rng.NextDouble();
            double[] skin = [Lerp(0.98, 0.42, tone), Lerp(0.85, 0.28, tone), Lerp(0.74, 0.2, tone)];
            var hair = HairPalette[rng.Next(HairPalette.Length)].Select(c => Math.Clamp(c + U(-0.05, 0.05), 0, 1)).ToArray();
            double eyeH = U(-0.12, -0.02), noseL = U(0.17, 0.27);
            list.Add(new FaceIdentity(firstId + i, U(0.56, 0.70), U(0.74, 0.86), U(0, 0.3), U(0.2, 0.3), eyeH, U(0.075, 0.105),
                noseL, U(0.06, 0.11), eyeH + 0.06 + noseL + 0.17 + U(0, 0.04), U(0.17, 0.26),
                skin, hair, rng.NextDouble(), U(-0.62, -0.46), IrisPalette[rng.Next(IrisPalette.Length)]));
        }
        return list;
    }

    /// <summary>Samples one image's nuisance within the option's ranges.</summary>
    public FaceNuisance SampleNuisance(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        var o = Options;
        return new FaceNuisance(U(-o.PositionJitter, o.PositionJitter), U(-o.PositionJitter, o.PositionJitter),
            1 + U(-o.ScaleJitter, o.ScaleJitter), U(0, 2 * Math.PI), U(0, o.Lighting), U(0.85, 1.1),
            [U(0.2, 0.8), U(0.2, 0.8), U(0.2, 0.8)]);
    }

    /// <summary>Renders faces as float (N, 3, S, S) in [0, 1].</summary>
    /// <param name="identities">One identity per image.</param>
    /// <param name="valence">Expression per image in [0, 1] (0 = sad, 1 = happy).</param>
    /// <param name="nuisance">Nuisance per image.</param>
    /// <param name="occlusion">Region hidden by a grey occluder.</param>
    /// <param name="noiseSeed">Seed of the pixel noise.</param>
    public Tensor Render(IReadOnlyList<FaceIdentity> identities, IReadOnlyList<double> valence, IReadOnlyList<FaceNuisance> nuisance,
        FaceOcclusion occlusion = FaceOcclusion.None, int noiseSeed = 0)
    {
        int n = Check(identities, valence, nuisance);
        foreach (var v in valence)
            if (!(v >= 0 && v <= 1)) throw new ArgumentOutOfRangeException(nameof(valence), v, "FaceGenerator: valence must lie in [0, 1].");
        using var scope = NewDisposeScope();
        var id = identities;
        var (u, v0, edge, X, Y) = Frame(nuisance);
        var vv = v0;
        Tensor P(Func<int, double> f) => Param(n, f);
        Tensor C(Func<int, double[]> f) => torch.tensor(Enumerable.Range(0, n).SelectMany(i => f(i).Select(x => (float)x)).ToArray()).reshape(n, 3, 1, 1);

        var bg = C(i => nuisance[i].Background);
        var canvas = (bg * (1.1f - 0.2f * (Y.unsqueeze(1) + 1) / 2)).expand(n, 3, Size, Size).contiguous();
        var skin = C(i => id[i].Skin);
        var hair = C(i => id[i].Hair);
        var fw = P(i => id[i].FaceWidth);
        var fh = P(i => id[i].FaceHeight);
        var eyeH = P(i => id[i].EyeHeight);

        // Each part is painted inside its own dispose scope: canvas changes in place, and a part's (n, S, S) temporaries
        // are freed before the next part (one scope over the whole face kept ~240 planes per image alive: 4 GB for
        // 256 faces at 128 px).
        using (NewDisposeScope())
        {
            // hair behind the head (longer hair reaches lower)
            var hairEllipse = Ellipse(u, vv, 0, P(_ => -0.08), fw * 1.15, fh * 1.08, edge);
            var hairBottom = P(i => -0.1 + 0.75 * id[i].HairLength);
            Paint(canvas, hair, hairEllipse * Fn.sigmoid((hairBottom - vv) / edge));
            // ears
            foreach (var s in new[] { -1.0, 1.0 })
                Paint(canvas, skin * 0.9f, Ellipse(u, vv, fw * (float)(s * 0.97), eyeH + 0.1f, P(_ => 0.08), P(_ => 0.14), edge));
            // face with a narrowing jaw
            var rx = fw * (1 - P(i => id[i].Jaw) * (vv / fh).clamp(0, 1));
            var face = Fn.sigmoid((1 - ((u / rx).square() + (vv / fh).square()).sqrt()) * fw / edge);
            Paint(canvas, skin, face);
            // fringe above the hairline
            Paint(canvas, hair, hairEllipse * Fn.sigmoid((P(i => id[i].Hairline) + 0.04f * (u * 9).cos() - vv) / edge));
        }
        var val = P(i => valence[i]);
        var es = P(i => id[i].EyeSpacing);
        var eyeSize = P(i => id[i].EyeSize);
        // brows: inner ends raised when sad, level and a little higher when happy (never frowning down)
        var tilt = (1 - val) * 0.5f;
        foreach (var s in new[] { -1f, 1f })
        {
            using var part = NewDisposeScope();
            var du = u - es * s;
            var dv = vv - (eyeH - 0.13f - 0.03f * val);
            var dist = (dv - tilt * s * du).abs() / (1 + tilt.square()).sqrt();
            var brow = Fn.sigmoid((0.022f - dist) / edge) * Fn.sigmoid((0.13f - du.abs()) / edge);
            Paint(canvas, hair * 0.8f, brow);
        }
        // eyes: white, iris, pupil; openness rises with valence
        var open = 0.5f + 0.5f * val;
        foreach (var s in new[] { -1f, 1f })
        {
            using var part = NewDisposeScope();
            var ex = es * s;
            var white = Ellipse(u, vv, ex, eyeH, eyeSize, eyeSize * 0.62f * open, edge);
            Paint(canvas, Colour(n, 0.97, 0.97, 0.95), white);
            Paint(canvas, C(i => id[i].Iris), Ellipse(u, vv, ex, eyeH, eyeSize * 0.5f, eyeSize * 0.5f, edge) * white);
            Paint(canvas, Colour(n, 0.05, 0.05, 0.05), Ellipse(u, vv, ex, eyeH, eyeSize * 0.22f, eyeSize * 0.22f, edge) * white);
        }
        using (NewDisposeScope())
        {
            // nose: shaded triangle and nostrils
            var noseTop = eyeH + 0.06f;
            var noseLen = P(i => id[i].NoseLength);
            var nw = P(i => id[i].NoseWidth);
            var noseBottom = noseTop + noseLen;
            var t = ((vv - noseTop) / noseLen).clamp(0, 1);
            var tri = Fn.sigmoid((nw * (0.3f + 0.7f * t) - u.abs()) / edge) * Fn.sigmoid((vv - noseTop) / edge) * Fn.sigmoid((noseBottom - vv) / edge);
            Paint(canvas, skin * 0.8f, tri * 0.6f);
            foreach (var s in new[] { -1f, 1f })
                Paint(canvas, skin * 0.45f, Ellipse(u, vv, nw * (0.5f * s), noseBottom - 0.01f, nw * 0.3f, P(_ => 0.022), edge));
        }
        using (NewDisposeScope())
        {
            // mouth: a lip band along a parabola whose corners rise with valence
            var curv = 2 * val - 1;
            var mw = P(i => id[i].MouthWidth) * (1 + 0.15f * curv);
            var r = u / mw;
            var centre = P(i => id[i].MouthHeight) - curv * 0.13f * (r.square() - 0.33f);
            var ends = Fn.sigmoid((1 - r.abs()) * mw / edge);
            var lipColour = skin * 0.35f + Colour(n, 0.7, 0.22, 0.22) * 0.65f;
            Paint(canvas, lipColour, Fn.sigmoid((0.04f + 0.01f * curv.abs() - (vv - centre).abs()) / edge) * ends);
            Paint(canvas, Colour(n, 0.25, 0.08, 0.08), Fn.sigmoid((0.012f - (vv - centre).abs()) / edge) * ends);
        }

        if (occlusion != FaceOcclusion.None)
        {
            var m = RegionMask(identities, u, vv, occlusion).to(ScalarType.Float32).unsqueeze(1);
            canvas = canvas * (1 - m) + (float)Options.OccluderGrey * m;
        }
        // lighting gradient and brightness, then noise
        var angle = P(i => nuisance[i].LightAngle);
        var light = P(i => nuisance[i].Brightness) * (1 + P(i => nuisance[i].LightStrength) * (angle.cos() * X + angle.sin() * Y));
        canvas = canvas * light.unsqueeze(1);
        if (Options.Noise > 0)
        {
            using var g = new Generator((ulong)(uint)noiseSeed);
            canvas = canvas + torch.randn(canvas.shape, generator: g) * (float)Options.Noise;
        }
        return canvas.clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Boolean masks (N, S, S) of a region's box (the same box the occluder fills).</summary>
    public Tensor RegionMasks(IReadOnlyList<FaceIdentity> identities, IReadOnlyList<FaceNuisance> nuisance, FaceOcclusion region)
    {
        ArgumentNullException.ThrowIfNull(identities);
        Check(identities, Enumerable.Repeat(0.5, identities.Count).ToArray(), nuisance);
        if (region == FaceOcclusion.None) throw new ArgumentException("FaceGenerator: RegionMasks needs a region (Eyes, Nose or Mouth).", nameof(region));
        using var scope = NewDisposeScope();
        var (u, v, _, _, _) = Frame(nuisance);
        return RegionMask(identities, u, v, region).MoveToOuterDisposeScope();
    }

    private Tensor RegionMask(IReadOnlyList<FaceIdentity> id, Tensor u, Tensor v, FaceOcclusion region)
    {
        int n = id.Count;
        Tensor P(Func<int, double> f) => Param(n, f);
        Tensor Box(Tensor halfWidth, Tensor top, Tensor bottom) => (u.abs() < halfWidth) & (v >= top) & (v <= bottom);
        return region switch
        {
            FaceOcclusion.Eyes => Box(P(i => id[i].EyeSpacing + id[i].EyeSize + 0.07), P(i => id[i].EyeHeight - 0.24), P(i => id[i].EyeHeight + 0.1)),
            FaceOcclusion.Nose => Box(P(i => id[i].NoseWidth + 0.06), P(i => id[i].EyeHeight + 0.1), P(i => id[i].EyeHeight + 0.06 + id[i].NoseLength + 0.04)),
            _ => Box(P(i => id[i].MouthWidth * 1.15 + 0.06), P(i => id[i].MouthHeight - 0.13), P(i => id[i].MouthHeight + 0.15)),
        };
    }

    private (Tensor U, Tensor V, Tensor Edge, Tensor X, Tensor Y) Frame(IReadOnlyList<FaceNuisance> nuisance)
    {
        int n = nuisance.Count;
        var lin = torch.linspace(-1 + 1.0 / Size, 1 - 1.0 / Size, Size, dtype: ScalarType.Float32);
        var X = lin.reshape(1, 1, Size);
        var Y = lin.reshape(1, Size, 1);
        var scale = Param(n, i => 0.92 * nuisance[i].Scale);
        var u = (X - Param(n, i => nuisance[i].Dx)) / scale;
        var v = (Y - Param(n, i => nuisance[i].Dy + 0.04)) / scale;
        var edge = Param(n, i => 0.6 * 2.0 / (Size * 0.92 * nuisance[i].Scale));
        return (u, v, edge, X, Y);
    }

    private static Tensor Ellipse(Tensor u, Tensor v, Tensor cx, Tensor cy, Tensor rx, Tensor ry, Tensor edge)
    {
        var d = (((u - cx) / rx).square() + ((v - cy) / ry).square()).sqrt();
        return Fn.sigmoid((1 - d) * torch.minimum(rx, ry) / edge);
    }

    private static Tensor Ellipse(Tensor u, Tensor v, double cx, Tensor cy, Tensor rx, Tensor ry, Tensor edge) =>
        Ellipse(u, v, torch.full_like(cy, cx), cy, rx, ry, edge);

    private static void Paint(Tensor canvas, Tensor colour, Tensor alpha)
    {
        var a = alpha.unsqueeze(1);
        canvas.mul_(1 - a).add_(colour * a);
    }

    private static Tensor Colour(int n, double r, double g, double b) =>
        torch.tensor(new[] { (float)r, (float)g, (float)b }).reshape(1, 3, 1, 1).expand(n, 3, 1, 1);

    private static Tensor Param(int n, Func<int, double> f) =>
        torch.tensor(Enumerable.Range(0, n).Select(i => (float)f(i)).ToArray()).reshape(n, 1, 1);

    private static double Lerp(double a, double b, double t) => a + (b - a) * t;

    private static int Check(IReadOnlyList<FaceIdentity> identities, IReadOnlyList<double> valence, IReadOnlyList<FaceNuisance> nuisance)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(valence);
        ArgumentNullException.ThrowIfNull(nuisance);
        if (identities.Count == 0) throw new ArgumentException("FaceGenerator: nothing to render (no identities).", nameof(identities));
        if (valence.Count != identities.Count || nuisance.Count != identities.Count)
            throw new ArgumentException($"FaceGenerator: expected one valence and one nuisance per identity ({identities.Count}), got {valence.Count} and {nuisance.Count}.");
        return identities.Count;
    }
}
