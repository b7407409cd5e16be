using Microsoft.Extensions.Options;

namespace BilateralNeuro.Data;

/// <summary>Validates <see cref="DatasetDownloaderOptions"/>, listing every problem.</summary>
public sealed class DatasetDownloaderOptionsValidator : IValidateOptions<DatasetDownloaderOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DatasetDownloaderOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.MaxAttempts < 1) e.AddError($"MaxAttempts must be at least 1 (got {o.MaxAttempts}).");
        if (o.RetryDelay < TimeSpan.Zero) e.AddError($"RetryDelay must not be negative (got {o.RetryDelay}).");
        if (o.ReadTimeout <= TimeSpan.Zero) e.AddError($"ReadTimeout must be positive (got {o.ReadTimeout}).");
        if (o.ProgressInterval < TimeSpan.Zero) e.AddError($"ProgressInterval must not be negative (got {o.ProgressInterval}).");
        return e.Build();
    }
}
