using TorchSharp;
using static TorchSharp.torch;
using Fn = TorchSharp.torch.nn.functional;

namespace BilateralNeuro.Data;

/// <summary>
/// Procedural object images for object-based pre-training at any resolution (the stand-in lab used ImageNet; Fashion-MNIST
/// is the other path here): ten shape classes (disk, square, triangle, pentagon, hexagon, star, three-lobed flower,
/// cross, ring, crescent) as soft-edged RGB silhouettes with random colour, background, position, scale, rotation,
/// a lighting gradient and pixel noise. The class is only in the shape, never in colour or position, so a network must
/// learn contours and corners. uint8 (N, 3, S, S), label level <c>fine</c>; class i is image i mod 10 (balanced).
/// </summary>
public static class ProceduralObjects
{
    /// <summary>Class names in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["disk", "square", "triangle", "pentagon", "hexagon", "star", "flower", "cross", "ring", "crescent"];

    /// <summary>Renders <paramref name="count"/> images of <paramref name="size"/> px.</summary>
    /// <param name="count">Images (at least 1).</param>
    /// <param name="size">Side in pixels (16..512).</param>
    /// <param name="seed">Seed of every random choice (same seed, same images).</param>
    /// <param name="noise">Standard deviation of the pixel noise in [0, 0.5].</param>
    /// <param name="name">Name of the set.</param>
    public static LabeledImages Create(int count, int size = 64, int seed = 0, double noise = 0.02, string name = "objects/procedural")
    {
        var errors = new List<string>();
        if (count < 1) errors.Add($"count must be at least 1 (got {count})");
        if (size is < 16 or > 512) errors.Add($"size must lie in [16, 512] px (got {size})");
        if (!(noise >= 0 && noise <= 0.5)) errors.Add($"noise must lie in [0, 0.5] (got {noise})");
        if (errors.Count > 0) throw new ArgumentException("ProceduralObjects: " + string.Join("; ", errors) + ".");
        var rng = new Random(seed);
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        int k = ClassNames.Count;
        var p = new Params[count];
        for (int i = 0; i < count; i++)
        {
            var bg = new[] { U(0.1, 0.9), U(0.1, 0.9), U(0.1, 0.9) };
            double[] fg;
            do fg = [U(0, 1), U(0, 1), U(0, 1)];
            while (Math.Sqrt(fg.Zip(bg, (a, b) => (a - b) * (a - b)).Sum()) < 0.35);
            p[i] = new Params(i % k, U(-0.2, 0.2), U(-0.2, 0.2), U(0.45, 0.75), U(0, 2 * Math.PI), U(0, 2 * Math.PI), U(0, 0.3), bg, fg);
        }
        var images = torch.empty([count, 3, size, size], dtype: ScalarType.Byte);
        int chunk = Math.Clamp((int)((64L << 20) / (40L * 4 * size * size)), 1, 256);
        for (int start = 0; start < count; start += chunk)
        {
            int len = Math.Min(chunk, count - start);
            using var scope = NewDisposeScope();
            var img = Render(p.AsSpan(start, len).ToArray(), size, noise, unchecked(seed * 31 + start));
            images.narrow(0, start, len).copy_(img.mul(255).round().to(ScalarType.Byte));
        }
        var labels = torch.tensor(p.Select(x => (long)x.Class).ToArray());
        return new LabeledImages(name, images, new Dictionary<string, Tensor> { [LabelLevels.Fine] = labels },
            new Dictionary<string, IReadOnlyList<string>> { [LabelLevels.Fine] = ClassNames }, "procedural objects");
    }

    private sealed record Params(int Class, double Dx, double Dy, double Radius, double Rotation, double LightAngle, double LightStrength, double[] Background, double[] Colour);

    private static Tensor Render(Params[] p, int size, double noise, int noiseSeed)
    {
        int n = p.Length;
        Tensor P(Func<Params, double> f) => torch.tensor(p.Select(x => (float)f(x)).ToArray()).reshape(n, 1, 1);
        Tensor C(Func<Params, double[]> f) => torch.tensor(p.SelectMany(x => f(x).Select(v => (float)v)).ToArray()).reshape(n, 3, 1, 1);
        var lin = torch.linspace(-1 + 1.0 / size, 1 - 1.0 / size, size, dtype: ScalarType.Float32);
        var X = lin.reshape(1, 1, size);
        var Y = lin.reshape(1, size, 1);
        var radius = P(x => x.Radius);
        var x0 = (X - P(x => x.Dx)) / radius;
        var y0 = (Y - P(x => x.Dy)) / radius;
        var rot = P(x => x.Rotation);
        var u = x0 * rot.cos() + y0 * rot.sin();
        var v = -x0 * rot.sin() + y0 * rot.cos();
        var r = (u.square() + v.square()).sqrt();
        var theta = torch.atan2(v, u);
        var edge = 1.5f / (size * radius);    // about 1.5 px of soft edge in shape units
        Tensor Inside(Tensor boundary) => Fn.sigmoid((boundary - r) / edge);
        Tensor Polygon(int sides)
        {
            double a = 2 * Math.PI / sides;
            var local = torch.remainder(theta, a) - a / 2;
            return Inside(Math.Cos(Math.PI / sides) / local.cos());
        }
        var mask = torch.zeros(n, size, size);
        var classes = p.Select(x => x.Class).ToArray();
        for (int c = 0; c < ClassNames.Count; c++)
        {
            var rows = Enumerable.Range(0, n).Where(i => classes[i] == c).Select(i => (long)i).ToArray();
            if (rows.Length == 0) continue;
            Tensor m = c switch
            {
                0 => Inside(torch.ones_like(r)),
                1 => Inside(0.85f / torch.maximum(theta.cos().abs(), theta.sin().abs())),
                2 => Polygon(3),
                3 => Polygon(5),
                4 => Polygon(6),
                5 => Inside(0.62f + 0.38f * (theta * 5).cos()),
                6 => Inside(0.5f + 0.5f * (theta * 1.5f).cos().abs()),
                7 => torch.maximum(Fn.sigmoid((0.3f - u.abs()) / edge) * Fn.sigmoid((1 - v.abs()) / edge),
                                   Fn.sigmoid((1 - u.abs()) / edge) * Fn.sigmoid((0.3f - v.abs()) / edge)),
                8 => Inside(torch.ones_like(r)) * Fn.sigmoid((r - 0.55f) / edge),
                _ => Inside(torch.ones_like(r)) * (1 - Fn.sigmoid((0.8f - ((u - 0.45f).square() + v.square()).sqrt()) / edge)),
            };
            var idx = torch.tensor(rows);
            mask.index_copy_(0, idx, m.index_select(0, idx));
        }
        var a1 = mask.unsqueeze(1);
        var canvas = C(x => x.Background) * (1 - a1) + C(x => x.Colour) * a1;
        var angle = P(x => x.LightAngle);
        var light = 1 + P(x => x.LightStrength) * (angle.cos() * X + angle.sin() * Y);
        canvas = canvas * light.unsqueeze(1);
        if (noise > 0)
        {
            using var g = new Generator((ulong)(uint)noiseSeed);
            canvas = canvas + torch.randn(canvas.shape, generator: g) * (float)noise;
        }
        return canvas.clamp(0, 1);
    }
}
