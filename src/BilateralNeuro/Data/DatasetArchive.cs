using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BilateralNeuro.Data;

/// <summary>
/// Unpacks a downloaded <c>.tar.gz</c> dataset archive (e.g. <c>cifar-100-binary.tar.gz</c>, which holds the folder
/// <c>cifar-100-binary/</c>) into a folder, safely: only regular files and folders are accepted, every entry must stay
/// inside the destination, and each file is written to <c>&lt;name&gt;.partial</c> and renamed when complete.
/// </summary>
public static class DatasetArchive
{
    /// <summary>
    /// Extracts <paramref name="archivePath"/> (gzip-compressed tar) into <paramref name="destination"/>, by default
    /// the user cache root that <see cref="DataLocator"/> searches (so <c>cifar-100-binary.tar.gz</c> yields
    /// <c>~/.cache/bilateralneuro/cifar-100-binary/</c>).
    /// </summary>
    /// <returns>The paths of the extracted files.</returns>
    /// <exception cref="InvalidDataException">The archive is corrupt, or holds a link, device or an entry that points
    /// outside the destination (nothing of that entry is written).</exception>
    public static IReadOnlyList<string> ExtractTarGz(string archivePath, string? destination = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        logger ??= NullLogger.Instance;
        destination ??= Path.GetDirectoryName(DataLocator.CacheFolder("x"))!;
        var root = Path.GetFullPath(destination);
        Directory.CreateDirectory(root);
        var rootWithSep = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        var written = new List<string>();
        try
        {
            using var file = File.OpenRead(archivePath);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes)
                    continue;
                var target = Path.GetFullPath(Path.Combine(root, entry.Name));
                if (!target.StartsWith(rootWithSep, StringComparison.Ordinal) && target != root)
                    throw new InvalidDataException($"{archivePath}: entry '{entry.Name}' points outside '{root}'; refusing to extract it.");
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        var partial = target + ".partial";
                        try
                        {
                            using (var output = File.Create(partial))
                                entry.DataStream?.CopyTo(output);
                            File.Move(partial, target, overwrite: true);
                        }
                        catch
                        {
                            File.Delete(partial);
                            throw;
                        }
                        written.Add(target);
                        break;
                    }
                    default:
                        throw new InvalidDataException($"{archivePath}: entry '{entry.Name}' is a {entry.EntryType}; only regular files and folders are extracted.");
                }
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            throw new InvalidDataException($"{archivePath}: corrupt or unreadable tar.gz archive ({e.Message}).", e);
        }
        logger.LogInformation("{Archive}: extracted {Count} files into {Destination}.", archivePath, written.Count, root);
        return written;
    }
}
