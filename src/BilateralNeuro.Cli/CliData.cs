using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using Microsoft.Extensions.Logging;

namespace BilateralNeuro.Cli;

/// <summary>
/// A dataset a command will use, resolved before any work: its canonical name and where it is (a folder or the
/// embedded subset). Loading goes through <see cref="Datasets"/> with the located folder, so what runs is what was
/// resolved, recorded and fingerprinted.
/// </summary>
public sealed record DataChoice(string Dataset, DataLocation Location)
{
    /// <summary>"embedded" or the folder read.</summary>
    public string Source => Location.Kind == DataLocationKind.Embedded ? DataLocator.EmbeddedKeyword : Location.Path!;

    /// <summary>The files read with their sizes in bytes (empty for the embedded subset).</summary>
    public SortedDictionary<string, long> Files
    {
        get
        {
            var files = new SortedDictionary<string, long>(StringComparer.Ordinal);
            if (Location.Kind == DataLocationKind.Embedded) return files;
            foreach (var required in CliData.RequiredFiles(Dataset))
            {
                var path = DataLocator.File(Location, required);
                files[Path.GetFileName(path)] = new FileInfo(path).Length;
            }
            return files;
        }
    }

    /// <summary>Loads the train and test splits.</summary>
    public (LabeledImages Train, LabeledImages Test) Load(ILogger? logger = null) => Dataset switch
    {
        CliData.FashionMnist => Datasets.FashionMnist(Location.Path ?? DataLocator.EmbeddedKeyword, logger),
        CliData.Mnist => Datasets.MnistDigits(Location.Path ?? DataLocator.EmbeddedKeyword, logger),
        CliData.Cifar100 => Datasets.Cifar100(Location.Path, logger),
        _ => throw new InvalidOperationException($"no loader for dataset '{Dataset}'."),
    };

    /// <summary>What results.json records about the data (sizes filled in once loaded).</summary>
    public DataUsed Describe(long? trainImages = null, long? testImages = null) =>
        new(Dataset, Source, Location.Kind.ToString(), Files, trainImages, testImages);

    /// <summary>Text that changes when the data would change (part of the checkpoint fingerprint).</summary>
    public string Fingerprint => $"data {Dataset} {Location.Kind} {Source} {string.Join(" ", Files.Select(f => $"{f.Key}:{f.Value}"))}";
}

/// <summary>Dataset names, aliases and locating rules of the command line.</summary>
public static class CliData
{
    public const string FashionMnist = "fashion-mnist", Mnist = "mnist", Cifar100 = "cifar100";

    /// <summary>Canonical names of every dataset the tool can load.</summary>
    public static readonly IReadOnlyList<string> Known = [FashionMnist, Mnist, Cifar100];

    private static readonly string[] IdxFiles =
    [
        "train-images-idx3-ubyte.gz|train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz|train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte.gz|t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz|t10k-labels-idx1-ubyte",
    ];

    /// <summary>The canonical name of <paramref name="name"/> (aliases such as fashionmnist, cifar-100), or null if unknown.</summary>
    public static string? Canonical(string name) => name.Trim().ToLowerInvariant().Replace('_', '-') switch
    {
        "fashion-mnist" or "fashionmnist" or "fmnist" => FashionMnist,
        "mnist" or "mnist-digits" => Mnist,
        "cifar100" or "cifar-100" or "cifar-100-binary" => Cifar100,
        _ => null,
    };

    /// <summary>The files a folder of <paramref name="dataset"/> must hold.</summary>
    public static IReadOnlyList<string> RequiredFiles(string dataset) => dataset == Cifar100 ? ["train.bin", "test.bin"] : IdxFiles;

    private static string Folder(string dataset) => dataset == Cifar100 ? "cifar-100-binary" : dataset;

    /// <summary>
    /// Resolves <c>--dataset</c>/<c>--data-dir</c>/<c>--preset</c> for <paramref name="command"/>, which supports
    /// <paramref name="supported"/> (the first is its default). Quick runs read the embedded subset unless a folder is
    /// given; paper runs search explicit folder → $BILATERALNEURO_DATA → user cache → Debian folder and never fall back
    /// to the embedded subset (pass <c>--data-dir embedded</c> to ask for it).
    /// </summary>
    /// <exception cref="ArgumentException">The dataset is unknown or not supported by the command.</exception>
    /// <exception cref="DirectoryNotFoundException">The data is not where it was asked for, or not found at all.</exception>
    public static DataChoice Resolve(string command, string requested, string? dataDir, string preset, params string[] supported)
    {
        string dataset = requested == "default" ? supported[0]
            : Canonical(requested) ?? throw new ArgumentException(
                $"--dataset: '{requested}' is not a dataset this tool knows; expected one of {string.Join(", ", Known)}.");
        if (!supported.Contains(dataset))
            throw new ArgumentException($"--dataset: {command} cannot use {dataset}; it supports {string.Join(", ", supported)}.");
        bool hasEmbedded = dataset != Cifar100;
        string? debian = dataset == FashionMnist ? "/usr/share/datasets/fashion-mnist" : null;
        string? explicitPath = dataDir;
        if (explicitPath is null && preset == "quick" && hasEmbedded) explicitPath = DataLocator.EmbeddedKeyword;
        try
        {
            var location = DataLocator.Locate(Folder(dataset), RequiredFiles(dataset), explicitPath, debian, hasEmbedded: hasEmbedded && explicitPath is not null);
            return new DataChoice(dataset, location);
        }
        catch (DirectoryNotFoundException e) when (explicitPath is null && hasEmbedded)
        {
            throw new DirectoryNotFoundException($"{e.Message} --preset {preset} does not fall back to the embedded subset; pass --data-dir embedded to use it.", e);
        }
    }
}
