using Microsoft.Extensions.Options;

namespace BilateralNeuro.Core;

/// <summary>
/// The one place that turns a validator's result into an exception: <see cref="ThrowIfInvalid{TOptions}"/> throws a
/// single <see cref="OptionsValidationException"/> listing every problem. Validators collect problems with
/// <see cref="ValidateOptionsResultBuilder"/>; <see cref="AddResult(ValidateOptionsResultBuilder, ValidateOptionsResult, string)"/>
/// nests another validator's problems under a prefix (e.g. <c>Training.</c>).
/// </summary>
public static class OptionsValidation
{
    /// <summary>Validates <paramref name="options"/> and returns them, or throws listing every problem.</summary>
    /// <param name="options">The options to check.</param>
    /// <param name="validator">Their validator.</param>
    /// <param name="name">Options name passed to the validator (some use it as a message prefix); also the exception's options name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="validator"/> is null.</exception>
    /// <exception cref="OptionsValidationException">Some option is invalid; <see cref="OptionsValidationException.Failures"/> lists all.</exception>
    public static TOptions ThrowIfInvalid<TOptions>(TOptions options, IValidateOptions<TOptions> validator, string? name = null) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(validator);
        var result = validator.Validate(name, options);
        if (result.Failed) throw new OptionsValidationException(name ?? typeof(TOptions).Name, typeof(TOptions), Failures(result));
        return options;
    }

    /// <summary>The problems of a result (empty when it succeeded or was skipped).</summary>
    public static IReadOnlyList<string> Failures(ValidateOptionsResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Failed) return [];
        return result.Failures?.ToList() ?? [result.FailureMessage];
    }

    /// <summary>Adds every problem of <paramref name="result"/>, each prefixed with <paramref name="prefix"/>.</summary>
    public static ValidateOptionsResultBuilder AddResult(this ValidateOptionsResultBuilder builder, ValidateOptionsResult result, string prefix)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var f in Failures(result)) builder.AddError(prefix + f);
        return builder;
    }

    /// <summary>Adds every message of <paramref name="errors"/>, each prefixed with <paramref name="prefix"/>.</summary>
    public static ValidateOptionsResultBuilder AddErrors(this ValidateOptionsResultBuilder builder, IEnumerable<string> errors, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var e in errors) builder.AddError(prefix + e);
        return builder;
    }
}
