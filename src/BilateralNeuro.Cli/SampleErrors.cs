using System.CommandLine;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Cli;

/// <summary>
/// How the samples report a bad command line or a failed run: one line on standard error (<c>NAME: error: ... See
/// --help.</c>, exit code 2), or <c>NAME: stopped: ...</c> with exit code 130 after a cancellation. One place for the
/// five samples' error handling.
/// </summary>
public static class SampleErrors
{
    /// <summary>Whether <paramref name="exception"/> is one the samples report as a one-line error rather than a crash.</summary>
    public static bool IsReported(Exception exception) => exception is ArgumentException or FormatException
        or InvalidOperationException or IOException or OptionsValidationException or OperationCanceledException;

    /// <summary>Writes the one line for <paramref name="exception"/> and returns the exit code (130 cancelled, else 2).</summary>
    public static int Report(string sample, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OperationCanceledException)
        {
            Console.Error.WriteLine($"{sample}: stopped: {exception.Message}");
            return 130;
        }
        return Fail(sample, exception is OptionsValidationException v ? string.Join("; ", v.Failures) : exception.Message.Split('\n')[0].Trim());
    }

    /// <summary>
    /// The problems of a parsed sample command line: System.CommandLine's parse errors, and each of the
    /// <paramref name="cliOnly"/> options given explicitly (they belong to <c>bilateral-neuro COMMAND</c>, not to the sample).
    /// </summary>
    public static List<string> Problems(ParseResult parse, string command, params Option[] cliOnly)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(cliOnly);
        var problems = parse.Errors.Select(e => e.Message.Trim().TrimEnd('.')).ToList();
        foreach (var option in cliOnly)
            if (parse.GetResult(option) is { Implicit: false }) problems.Add($"{option.Name} is an option of `bilateral-neuro {command}`, not of this sample");
        return problems;
    }

    /// <summary>Writes <c>SAMPLE: error: MESSAGE. See --help.</c> and returns exit code 2.</summary>
    public static int Fail(string sample, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Console.Error.WriteLine($"{sample}: error: {message.TrimEnd('.')}. See --help.");
        return 2;
    }
}
