using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using Microsoft.Extensions.Logging;
using BilateralNeuro.Reporting;

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
            if (Dataset == CliData.Cifar100)
            {
                // The python or binary version, or an archive the library extracts on first use.
                foreach (var name in CliData.Cifar100Files.Where(f => File.Exists(Path.Combine(Location.Path!, f))))
                    files[name] = new FileInfo(Path.Combine(Location.Path!, name)).Length;
                return files;
            }
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

    /// <summary>The files a folder of <paramref name="dataset"/> (MNIST or Fashion-MNIST) must hold.</summary>
    public static IReadOnlyList<string> RequiredFiles(string dataset) => IdxFiles;

    /// <summary>Files of a CIFAR-100 folder that are recorded when present (python or binary version, archives).</summary>
    public static readonly IReadOnlyList<string> Cifar100Files =
        ["train", "test", "meta", "train.bin", "test.bin", Datasets.Cifar100PythonFolder + ".tar.gz", Datasets.Cifar100BinaryFolder + ".tar.gz"];

    /// <summary>
    /// Where CIFAR-100 is, by the library's rules (<see cref="Datasets.Cifar100"/>): a given folder that is the python
    /// or binary version itself, or a torchvision root holding <c>cifar-100-python/</c> or <c>cifar-100-binary/</c>
    /// (or their .tar.gz); without a folder, $BILATERALNEURO_DATA and the user cache (python first). Nothing is extracted here.
    /// </summary>
    private static DataLocation LocateCifar100(string? dataDir)
    {
        static bool Has(string dir, params string[] files) => Directory.Exists(dir) && files.All(f => File.Exists(Path.Combine(dir, f)));
        if (dataDir is null)
        {
            try { return DataLocator.Locate(Datasets.Cifar100PythonFolder, ["train", "test"]); }
            catch (DirectoryNotFoundException python)
            {
                try { return DataLocator.Locate(Datasets.Cifar100BinaryFolder, ["train.bin", "test.bin"]); }
                catch (DirectoryNotFoundException binary) { throw new DirectoryNotFoundException($"cifar100: not found. {python.Message} {binary.Message}", binary); }
            }
        }
        if (string.Equals(dataDir, DataLocator.EmbeddedKeyword, StringComparison.OrdinalIgnoreCase))
            throw new DirectoryNotFoundException("cifar100: has no embedded subset; pass --data-dir with the folder holding cifar-100-python/ or cifar-100-binary/.");
        if (!Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"cifar100: the folder '{dataDir}' does not exist.");
        foreach (var dir in new[] { dataDir, Path.Combine(dataDir, Datasets.Cifar100PythonFolder), Path.Combine(dataDir, Datasets.Cifar100BinaryFolder) })
            if (Has(dir, "train", "test") || Has(dir, "train.bin", "test.bin")) return new(DataLocationKind.Explicit, dir, "given explicitly");
        if (File.Exists(Path.Combine(dataDir, Datasets.Cifar100PythonFolder + ".tar.gz")) || File.Exists(Path.Combine(dataDir, Datasets.Cifar100BinaryFolder + ".tar.gz")))
            return new(DataLocationKind.Explicit, dataDir, "archive, extracted on first use");
        throw new DirectoryNotFoundException($"cifar100: the folder '{dataDir}' holds none of: train and test (python version), train.bin and test.bin (binary version), " +
            $"{Datasets.Cifar100PythonFolder}/, {Datasets.Cifar100BinaryFolder}/ or their .tar.gz.");
    }

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
        if (dataset == Cifar100) return new DataChoice(dataset, LocateCifar100(dataDir));
        // MNIST and Fashion-MNIST have embedded subsets: quick reads them unless a folder is given.
        string? debian = dataset == FashionMnist ? "/usr/share/datasets/fashion-mnist" : null;
        string? explicitPath = dataDir;
        if (explicitPath is null && preset == "quick") explicitPath = DataLocator.EmbeddedKeyword;
        try
        {
            var location = DataLocator.Locate(dataset, RequiredFiles(dataset), explicitPath, debian, hasEmbedded: explicitPath is not null);
            return new DataChoice(dataset, location);
        }
        catch (DirectoryNotFoundException e) when (explicitPath is null)
        {
            throw new DirectoryNotFoundException($"{e.Message} --preset {preset} does not fall back to the embedded subset; pass --data-dir embedded to use it.", e);
        }
    }
}
