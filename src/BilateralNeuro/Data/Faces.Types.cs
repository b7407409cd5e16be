using Microsoft.Extensions.Options;

namespace BilateralNeuro.Data;

/// <summary>
/// Identity parameters of a procedural face, in face coordinates (the face ellipse spans roughly [-0.65, 0.65] ×
/// [-0.8, 0.8]; y grows downwards). Identities differ in shape, feature geometry, skin tone and hair.
/// </summary>
public sealed record FaceIdentity(
    int Id, double FaceWidth, double FaceHeight, double Jaw, double EyeSpacing, double EyeHeight, double EyeSize,
    double NoseLength, double NoseWidth, double MouthHeight, double MouthWidth,
    double[] Skin, double[] Hair, double HairLength, double Hairline, double[] Iris)
{
    /// <summary>
    /// The average face of <paramref name="identities"/>: every shape parameter and colour averaged (the procedural
    /// counterpart of the lab's averaged photograph, <c>bm_ave_*.jpg</c> in JyBmegan/SE-AlexNet's <c>0_InputImages/Full</c>).
    /// </summary>
    /// <param name="identities">At least one identity.</param>
    /// <param name="id">Id given to the average.</param>
    public static FaceIdentity Average(IReadOnlyList<FaceIdentity> identities, int id = -1)
    {
        ArgumentNullException.ThrowIfNull(identities);
        if (identities.Count == 0) throw new ArgumentException("FaceIdentity.Average: no identities to average.", nameof(identities));
        double M(Func<FaceIdentity, double> f) => identities.Average(f);
        double[] V(Func<FaceIdentity, double[]> f) => Enumerable.Range(0, 3).Select(c => identities.Average(i => f(i)[c])).ToArray();
        return new FaceIdentity(id, M(i => i.FaceWidth), M(i => i.FaceHeight), M(i => i.Jaw), M(i => i.EyeSpacing), M(i => i.EyeHeight),
            M(i => i.EyeSize), M(i => i.NoseLength), M(i => i.NoseWidth), M(i => i.MouthHeight), M(i => i.MouthWidth),
            V(i => i.Skin), V(i => i.Hair), M(i => i.HairLength), M(i => i.Hairline), V(i => i.Iris));
    }
}

/// <summary>Nuisance of one image: position, scale, lighting, background and noise.</summary>
/// <param name="Dx">Horizontal offset in image units ([-1, 1] spans the image).</param>
/// <param name="Dy">Vertical offset.</param>
/// <param name="Scale">Face scale (1 = face height ≈ 80% of the image).</param>
/// <param name="LightAngle">Direction of the lighting gradient (radians).</param>
/// <param name="LightStrength">Strength of the gradient (0 = flat).</param>
/// <param name="Brightness">Global brightness factor.</param>
/// <param name="Background">Background RGB in [0, 1].</param>
public sealed record FaceNuisance(double Dx, double Dy, double Scale, double LightAngle, double LightStrength, double Brightness, double[] Background)
{
    /// <summary>Centred, unit scale, flat light, grey background.</summary>
    public static FaceNuisance Canonical { get; } = new(0, 0, 1, 0, 0, 1, [0.55, 0.6, 0.68]);
}

/// <summary>Which face region an occluder hides (the SE-AlexNet protocol's masking conditions).</summary>
public enum FaceOcclusion
{
    /// <summary>Nothing hidden.</summary>
    None,
    /// <summary>Eyes and brows hidden.</summary>
    Eyes,
    /// <summary>Nose hidden.</summary>
    Nose,
    /// <summary>Mouth hidden.</summary>
    Mouth,
}

/// <summary>Options of the <see cref="FaceGenerator"/>.</summary>
public sealed class FaceGeneratorOptions
{
    /// <summary>Image side in pixels (64..224).</summary>
    public int Size { get; set; } = 64;
    /// <summary>Maximum position offset (image units, [-1, 1] spans the image).</summary>
    public double PositionJitter { get; set; } = 0.06;
    /// <summary>Maximum relative scale change.</summary>
    public double ScaleJitter { get; set; } = 0.08;
    /// <summary>Maximum lighting-gradient strength.</summary>
    public double Lighting { get; set; } = 0.3;
    /// <summary>Standard deviation of additive pixel noise.</summary>
    public double Noise { get; set; } = 0.02;
    /// <summary>Grey level of the occluders.</summary>
    public double OccluderGrey { get; set; } = 0.5;
}

/// <summary>Validates <see cref="FaceGeneratorOptions"/>.</summary>
public sealed class FaceGeneratorOptionsValidator : IValidateOptions<FaceGeneratorOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FaceGeneratorOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (o.Size is < 64 or > 224) errors.AddError($"Size must lie in [64, 224] (got {o.Size}).");
        if (o.PositionJitter is < 0 or > 0.3) errors.AddError($"PositionJitter must lie in [0, 0.3] (got {o.PositionJitter}).");
        if (o.ScaleJitter is < 0 or > 0.3) errors.AddError($"ScaleJitter must lie in [0, 0.3] (got {o.ScaleJitter}).");
        if (o.Lighting is < 0 or > 1) errors.AddError($"Lighting must lie in [0, 1] (got {o.Lighting}).");
        if (o.Noise is < 0 or > 0.5) errors.AddError($"Noise must lie in [0, 0.5] (got {o.Noise}).");
        if (o.OccluderGrey is < 0 or > 1) errors.AddError($"OccluderGrey must lie in [0, 1] (got {o.OccluderGrey}).");
        return errors.Build();
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static FaceGeneratorOptions Check(FaceGeneratorOptions options)
    {
        var result = new FaceGeneratorOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(nameof(FaceGeneratorOptions), typeof(FaceGeneratorOptions), result.Failures);
        return options;
    }
}
