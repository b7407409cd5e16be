using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BilateralNeuro.Data;

/// <summary>Where a dataset was found.</summary>
public enum DataLocationKind
{
    /// <summary>The folder passed explicitly (e.g. --data-dir).</summary>
    Explicit,
    /// <summary><c>$BILATERALNEURO_DATA/&lt;dataset&gt;</c>.</summary>
    EnvironmentVariable,
    /// <summary>The user cache folder (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>, then <c>bilateralneuro/&lt;dataset&gt;</c>).</summary>
    UserCache,
    /// <summary>A Debian package's install folder (e.g. <c>/usr/share/datasets/fashion-mnist</c>).</summary>
    DebianPackage,
    /// <summary>The subset embedded in the library.</summary>
    Embedded,
}

/// <summary>A dataset location and the reason it was chosen.</summary>
public sealed record DataLocation(DataLocationKind Kind, string? Path, string Reason);

/// <summary>
/// Finds a dataset in this order: explicit path, <c>BILATERALNEURO_DATA</c>, the user cache, the Debian package's
/// folder, the embedded subset. A folder counts only when it holds every required file. The choice is logged.
/// </summary>
public static class DataLocator
{
    /// <summary>Environment variable naming a folder with one subfolder per dataset.</summary>
    public const string EnvironmentVariable = "BILATERALNEURO_DATA";

    /// <summary>Passed as the explicit path, selects the embedded subset regardless of other copies (quick presets use it).</summary>
    public const string EmbeddedKeyword = "embedded";

    /// <summary>Finds <paramref name="dataset"/> (a folder name such as <c>fashion-mnist</c>).</summary>
    /// <param name="dataset">Dataset folder name.</param>
    /// <param name="requiredFiles">File names that must all exist (any of the alternatives separated by '|').</param>
    /// <param name="explicitPath">A folder given by the user (when set and incomplete, an error: no silent fallback), or <see cref="EmbeddedKeyword"/>.</param>
    /// <param name="debianFolder">The Debian package folder, if the dataset has one.</param>
    /// <param name="hasEmbedded">Whether an embedded subset exists as the last resort.</param>
    /// <param name="logger">Receives the decision.</param>
    /// <exception cref="DirectoryNotFoundException">Nothing found and nothing embedded, or the explicit folder is incomplete.</exception>
    public static DataLocation Locate(string dataset, IReadOnlyList<string> requiredFiles, string? explicitPath = null,
        string? debianFolder = null, bool hasEmbedded = false, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var tried = new List<string>();
        if (string.Equals(explicitPath, EmbeddedKeyword, StringComparison.OrdinalIgnoreCase))
        {
            if (hasEmbedded) return Found(new(DataLocationKind.Embedded, null, "asked for explicitly"), dataset, logger);
            throw new DirectoryNotFoundException($"{dataset}: has no embedded subset; pass a folder holding {string.Join(", ", requiredFiles)}.");
        }
        if (explicitPath is not null)
        {
            if (Complete(explicitPath, requiredFiles)) return Found(new(DataLocationKind.Explicit, explicitPath, "given explicitly"), dataset, logger);
            if (TorchvisionRaw(explicitPath, dataset) is { } raw && Complete(raw, requiredFiles))
                return Found(new(DataLocationKind.Explicit, raw, "given explicitly (torchvision root)"), dataset, logger);
            throw new DirectoryNotFoundException($"{dataset}: the folder '{explicitPath}' does not hold {string.Join(", ", requiredFiles)}" +
                (TorchvisionRaw(explicitPath, dataset) is { } r ? $" (nor does its torchvision layout {r})." : "."));
        }
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(env))
        {
            var p = Path.Combine(env, dataset);
            if (Complete(p, requiredFiles)) return Found(new(DataLocationKind.EnvironmentVariable, p, $"${EnvironmentVariable}"), dataset, logger);
            tried.Add(p);
            if (TorchvisionRaw(env, dataset) is { } raw)
            {
                if (Complete(raw, requiredFiles)) return Found(new(DataLocationKind.EnvironmentVariable, raw, $"${EnvironmentVariable} (torchvision root)"), dataset, logger);
                tried.Add(raw);
            }
        }
        var cache = CacheFolder(dataset);
        if (Complete(cache, requiredFiles)) return Found(new(DataLocationKind.UserCache, cache, "user cache"), dataset, logger);
        tried.Add(cache);
        if (debianFolder is not null)
        {
            if (Complete(debianFolder, requiredFiles)) return Found(new(DataLocationKind.DebianPackage, debianFolder, "Debian package"), dataset, logger);
            tried.Add(debianFolder);
        }
        if (hasEmbedded) return Found(new(DataLocationKind.Embedded, null, $"no full copy in {string.Join(", ", tried)}"), dataset, logger);
        throw new DirectoryNotFoundException(
            $"{dataset}: not found. Looked in {string.Join(", ", tried)}. Pass --data-dir, set ${EnvironmentVariable}, or put the files " +
            $"({string.Join(", ", requiredFiles)}) into {cache}.");
    }

    /// <summary>
    /// The user cache folder of a dataset: <c>$XDG_CACHE_HOME/bilateralneuro/&lt;dataset&gt;</c>, or
    /// <c>~/.cache/bilateralneuro/&lt;dataset&gt;</c> when XDG_CACHE_HOME is unset (where <see cref="DatasetDownloader"/> saves by default).
    /// </summary>
    public static string CacheFolder(string dataset)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataset);
        var cacheRoot = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cacheRoot)) cacheRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cacheRoot, "bilateralneuro", dataset);
    }

    /// <summary>The path of a required file in a located folder (first existing alternative).</summary>
    public static string File(DataLocation location, string required) =>
        required.Split('|').Select(f => Path.Combine(location.Path!, f)).FirstOrDefault(System.IO.File.Exists)
        ?? throw new FileNotFoundException($"{location.Path}: no {required}.");

    /// <summary>
    /// torchvision's folder for <paramref name="dataset"/> under a data root (<c>ROOT/FashionMNIST/raw</c>,
    /// <c>ROOT/MNIST/raw</c>), or null when torchvision has no such layout for it.
    /// </summary>
    public static string? TorchvisionRaw(string root, string dataset) => dataset switch
    {
        "fashion-mnist" => Path.Combine(root, "FashionMNIST", "raw"),
        "mnist" => Path.Combine(root, "MNIST", "raw"),
        _ => null,
    };

    private static bool Complete(string folder, IReadOnlyList<string> files) =>
        Directory.Exists(folder) && files.All(f => f.Split('|').Any(alt => System.IO.File.Exists(Path.Combine(folder, alt))));

    private static DataLocation Found(DataLocation location, string dataset, ILogger logger)
    {
        logger.LogInformation("Dataset {Dataset}: using {Kind} {Path} ({Reason})", dataset, location.Kind, location.Path ?? "(embedded subset)", location.Reason);
        return location;
    }
}
