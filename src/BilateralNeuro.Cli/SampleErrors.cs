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

    /// <summary>Writes <c>SAMPLE: error: MESSAGE. See --help.</c> and returns exit code 2.</summary>
    public static int Fail(string sample, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Console.Error.WriteLine($"{sample}: error: {message.TrimEnd('.')}. See --help.");
        return 2;
    }
}
