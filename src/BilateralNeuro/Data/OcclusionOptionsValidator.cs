using Microsoft.Extensions.Options;

namespace BilateralNeuro.Data;

/// <summary>Validates <see cref="OcclusionOptions"/>, listing every problem.</summary>
public sealed class OcclusionOptionsValidator : IValidateOptions<OcclusionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OcclusionOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.MinPatch < 1 || o.MaxPatch < o.MinPatch)
            e.AddError($"Patch sides must satisfy 1 <= MinPatch <= MaxPatch (got {o.MinPatch}, {o.MaxPatch}).");
        return e.Build();
    }
}
