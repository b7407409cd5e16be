// Writes the seed corpus of the reader fuzz tests (tests/BilateralNeuro.Tests/Data/Corpus/). Deterministic; not run
// by the build. Usage: dotnet run tools/DataPrep/make-fuzz-corpus.cs -- tests/BilateralNeuro.Tests/Data/Corpus
using System.Buffers.Binary;
using System.IO.Compression;

if (args.Length != 1) { Console.Error.WriteLine("usage: make-fuzz-corpus.cs <corpus dir>"); return 2; }
string idx = Path.Combine(args[0], "idx"), cifar = Path.Combine(args[0], "cifar");
Directory.CreateDirectory(idx);
Directory.CreateDirectory(cifar);

byte[] Idx(int magic, int[] dims, Func<int, byte> value)
{
    long n = dims.Aggregate(1L, (a, d) => a * d);
    var b = new byte[4 + 4 * dims.Length + n];
    BinaryPrimitives.WriteInt32BigEndian(b, magic);
    for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
    for (int i = 0; i < n; i++) b[4 + 4 * dims.Length + i] = value(i);
    return b;
}
byte[] Gzip(byte[] raw)
{
    using var ms = new MemoryStream();
    using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(raw);
    return ms.ToArray();
}

File.WriteAllBytes(Path.Combine(idx, "images-3x4x5.idx"), Idx(0x803, [3, 4, 5], i => (byte)(i * 7)));
File.WriteAllBytes(Path.Combine(idx, "images-1x1x1.idx"), Idx(0x803, [1, 1, 1], _ => 255));
File.WriteAllBytes(Path.Combine(idx, "images-2x28x28.idx.gz"), Gzip(Idx(0x803, [2, 28, 28], i => (byte)(i % 28 < 14 ? 0 : i))));
File.WriteAllBytes(Path.Combine(idx, "labels-5.idx"), Idx(0x801, [5], i => (byte)i));
File.WriteAllBytes(Path.Combine(idx, "labels-12.idx.gz"), Gzip(Idx(0x801, [12], i => (byte)(i % 10))));

byte[] Cifar(int records)
{
    var b = new byte[records * 3074];
    for (int r = 0; r < records; r++)
    {
        b[r * 3074] = (byte)(r * 7 % 20);
        b[r * 3074 + 1] = (byte)(r * 37 % 100);
        for (int p = 0; p < 3072; p++) b[r * 3074 + 2 + p] = (byte)(p / 1024 * 80 + p % 32);
    }
    return b;
}
File.WriteAllBytes(Path.Combine(cifar, "one-record.bin"), Cifar(1));
File.WriteAllBytes(Path.Combine(cifar, "three-records.bin"), Cifar(3));
File.WriteAllLines(Path.Combine(cifar, "coarse_label_names.txt"), Enumerable.Range(0, 20).Select(i => $"coarse_{i}"));
File.WriteAllLines(Path.Combine(cifar, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"fine_{i}"));
foreach (var f in Directory.EnumerateFiles(args[0], "*", SearchOption.AllDirectories).Order())
    Console.WriteLine($"{new FileInfo(f).Length,8} {f}");
return 0;
