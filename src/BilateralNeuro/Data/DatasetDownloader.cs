using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BilateralNeuro.Data;

/// <summary>One file to download and the SHA-256 its bytes must have.</summary>
/// <param name="FileName">A plain file name (no folders), appended to the base address and used as the local name.</param>
/// <param name="Sha256">Expected SHA-256 as 64 hex digits, supplied by the caller from a source they trust.</param>
public sealed record DownloadItem(string FileName, string Sha256);

/// <summary>Settings of <see cref="DatasetDownloader"/>.</summary>
public sealed class DatasetDownloaderOptions
{
    /// <summary>Attempts per file; a dropped connection or a 5xx answer is retried, resuming where it stopped. Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;
    /// <summary>Pause before the first retry, doubled for each further retry. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest silence while receiving before an attempt is abandoned (and retried). Default 60 s.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>Minimum time between progress log lines. Default 5 s.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Downloads dataset files from a base address the caller chooses (no host is built in) into a folder — by default the
/// user cache <c>$XDG_CACHE_HOME/bilateralneuro/&lt;dataset&gt;</c> that <see cref="DataLocator"/> searches. Bytes go
/// to <c>&lt;name&gt;.partial</c>; an interrupted transfer resumes with an HTTP <c>Range: bytes=N-</c> request (falling
/// back to a full transfer if the server ignores it); the file is renamed to its final name only after its SHA-256
/// matches, so a final file is always complete and verified. A file already present with the right hash is not
/// downloaded again. Progress is logged through <see cref="ILogger"/>; every wait honours the cancellation token.
/// </summary>
/// <remarks>
/// The library does not ship expected hashes: supply them from a source you trust (e.g. computed once from a verified
/// copy). A hash mismatch deletes the partial file and throws <see cref="InvalidDataException"/>.
/// </remarks>
public sealed class DatasetDownloader : IDisposable
{
    private const string PartialSuffix = ".partial";
    private readonly HttpClient http;
    private readonly bool ownsClient;
    private readonly ILogger logger;
    private readonly DatasetDownloaderOptions options;

    /// <summary>Creates a downloader; when <paramref name="httpClient"/> is null it creates (and disposes) its own.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DatasetDownloader(HttpClient? httpClient = null, ILogger? logger = null, DatasetDownloaderOptions? options = null)
    {
        this.options = options ?? new DatasetDownloaderOptions();
        if (this.options.MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(options), this.options.MaxAttempts, $"{nameof(DatasetDownloaderOptions.MaxAttempts)} must be at least 1.");
        if (this.options.RetryDelay < TimeSpan.Zero || this.options.ReadTimeout <= TimeSpan.Zero || this.options.ProgressInterval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "RetryDelay and ProgressInterval must be non-negative and ReadTimeout positive.");
        ownsClient = httpClient is null;
        http = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The default target folder of a dataset: the user cache folder <see cref="DataLocator"/> searches.</summary>
    public static string DefaultFolder(string dataset) => DataLocator.CacheFolder(dataset);

    /// <summary>Downloads every item into <paramref name="targetFolder"/>, one after another.</summary>
    /// <returns>The final paths, in the order of <paramref name="items"/>.</returns>
    public async Task<IReadOnlyList<string>> DownloadAllAsync(Uri baseAddress, IEnumerable<DownloadItem> items, string targetFolder,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var paths = new List<string>();
        foreach (var item in items)
            paths.Add(await DownloadAsync(baseAddress, item, targetFolder, cancellationToken).ConfigureAwait(false));
        return paths;
    }

    /// <summary>Downloads <c>baseAddress + item.FileName</c> to <c>targetFolder/item.FileName</c> and verifies it.</summary>
    /// <returns>The path of the verified file.</returns>
    /// <exception cref="ArgumentException">Bad base address (not http/https), file name or hash text.</exception>
    /// <exception cref="InvalidDataException">The downloaded bytes do not have the expected SHA-256 (nothing is kept).</exception>
    /// <exception cref="HttpRequestException">The server refused the request, or every attempt failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the partial file is kept for a later resume.</exception>
    public async Task<string> DownloadAsync(Uri baseAddress, DownloadItem item, string targetFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrEmpty(targetFolder);
        if (!baseAddress.IsAbsoluteUri || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{nameof(DatasetDownloader)}: expected an absolute http(s) base address, got '{baseAddress}'.", nameof(baseAddress));
        var name = item.FileName;
        if (string.IsNullOrWhiteSpace(name) || name != Path.GetFileName(name) || name is "." or ".." || name.Contains('\\') || name.Contains('/'))
            throw new ArgumentException($"{nameof(DatasetDownloader)}: expected a plain file name, got '{name}'.", nameof(item));
        var expected = ParseHash(item.Sha256);

        Directory.CreateDirectory(targetFolder);
        var final = Path.Combine(targetFolder, name);
        var partial = final + PartialSuffix;
        if (File.Exists(final))
        {
            if (HashOf(final).AsSpan().SequenceEqual(expected))
            {
                logger.LogInformation("{File}: already present and verified, not downloading.", final);
                return final;
            }
            logger.LogWarning("{File}: present but its SHA-256 differs from the expected one; downloading it again.", final);
        }

        var address = new Uri(baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/"), Uri.EscapeDataString(name));
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await TransferAsync(address, partial, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested && attempt < options.MaxAttempts)
            {
                var delay = options.RetryDelay * Math.Pow(2, attempt - 1);
                long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                logger.LogWarning("{Address}: attempt {Attempt}/{Max} failed after {Bytes} bytes in total ({Error}); retrying in {Delay}.",
                    address, attempt, options.MaxAttempts, have, e.Message, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        var actual = HashOf(partial);
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            long length = new FileInfo(partial).Length;
            File.Delete(partial);
            throw new InvalidDataException(
                $"{nameof(DatasetDownloader)}: {address} ({length} bytes) has SHA-256 {Convert.ToHexStringLower(actual)}, expected {Convert.ToHexStringLower(expected)}; the download was deleted.");
        }
        File.Move(partial, final, overwrite: true);
        logger.LogInformation("{File}: downloaded and verified (SHA-256 {Hash}).", final, Convert.ToHexStringLower(actual));
        return final;
    }

    private async Task TransferAsync(Uri address, string partial, CancellationToken cancellationToken)
    {
        long offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ReadTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{address}: no response within {options.ReadTimeout}.");
        }
        using (response)
        {
            if (offset > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The partial file is already as long as (or longer than) the resource: let the hash decide.
                logger.LogInformation("{Address}: server reports nothing after byte {Offset}; verifying the partial file.", address, offset);
                return;
            }
            if ((int)response.StatusCode >= 500)
                throw new HttpRequestException($"{address}: server error {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{address}: {(int)response.StatusCode} {response.ReasonPhrase}; not retrying.", null, response.StatusCode);

            bool resumed = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (resumed && response.Content.Headers.ContentRange?.From is long from && from != offset)
                throw new HttpRequestException($"{address}: asked for bytes from {offset}, the server sent from {from}.");
            if (offset > 0 && !resumed)
            {
                logger.LogInformation("{Address}: server ignored the range request; restarting from byte 0.", address);
                offset = 0;
            }
            long? total = response.Content.Headers.ContentRange?.Length ?? (response.Content.Headers.ContentLength is long n ? n + offset : null);
            logger.LogInformation("{Address}: {Action} ({Total}).", address,
                resumed ? $"resuming at byte {offset}" : "downloading", total is long t ? $"{t} bytes" : "size unknown");

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            var buffer = new byte[1 << 16];
            long done = offset;
            var clock = Stopwatch.StartNew();
            var lastLog = TimeSpan.Zero;
            while (true)
            {
                timeout.CancelAfter(options.ReadTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"{address}: no data for {options.ReadTimeout} after byte {done}.");
                }
                if (read == 0) break;
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                done += read;
                if (clock.Elapsed - lastLog >= options.ProgressInterval)
                {
                    lastLog = clock.Elapsed;
                    logger.LogInformation("{Address}: {Done} of {Total} bytes{Percent}.", address, done,
                        total?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
                        total is long tt && tt > 0 ? $" ({100.0 * done / tt:F0}%)" : "");
                }
            }
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
            if (total is long expectedLength && done != expectedLength)
                throw new IOException($"{address}: the transfer ended at byte {done} of {expectedLength}.");
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        HttpRequestException h => h.StatusCode is null || (int)h.StatusCode >= 500,
        IOException or TimeoutException => true,
        _ => false,
    };

    private static byte[] ParseHash(string? hex)
    {
        if (hex is null || hex.Length != 64 || !hex.All(Uri.IsHexDigit))
            throw new ArgumentException($"{nameof(DatasetDownloader)}: expected a SHA-256 of 64 hex digits, got '{hex}'.", nameof(hex));
        return Convert.FromHexString(hex);
    }

    private static byte[] HashOf(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return SHA256.HashData(stream);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsClient) http.Dispose();
    }
}
