using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace BilateralNeuro.Tests.Data;

/// <summary>
/// A seeded byte-level mutator for the reader fuzz tests: bit flips, interesting bytes and big-endian integers
/// (aimed at headers), truncation, extension, chunk insertion/deletion/duplication. For gzip seeds it mutates either the
/// compressed bytes (exercising the decoder) or the decompressed bytes before recompressing (exercising the parser).
/// </summary>
internal static class ReaderFuzzer
{
    private static readonly int[] InterestingInts =
        [0, 1, -1, 2, 3, 28, 255, 256, 3073, 3074, 4096, 4097, 0x801, 0x803, 0x1F8B, 65536, 1_000_000_000, int.MaxValue, int.MinValue, 0x7FFFFFC7];
    private static readonly byte[] InterestingBytes = [0, 1, 2, 3, 8, 19, 20, 99, 100, 0x1F, 0x7F, 0x80, 0x8B, 0xFF];

    /// <summary>The committed seed corpus folder (next to this source file).</summary>
    /// <summary>The seed corpus, copied beside the test assembly (source paths are mapped away in CI builds).</summary>
    public static string CorpusFolder() => Path.Combine(AppContext.BaseDirectory, "Data", "Corpus");

    public static bool IsGzip(byte[] b) => b.Length >= 2 && b[0] == 0x1F && b[1] == 0x8B;

    /// <summary>1-4 stacked mutations of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, Random rng)
    {
        if (IsGzip(seed) && rng.Next(2) == 0)
        {
            var inner = Gunzip(seed);
            return Gzip(MutateRaw(inner, rng));
        }
        return MutateRaw(seed, rng);
    }

    private static byte[] MutateRaw(byte[] input, Random rng)
    {
        var b = new List<byte>(input);
        int count = 1 + rng.Next(4);
        for (int m = 0; m < count; m++)
        {
            int at = b.Count == 0 ? 0 : rng.Next(b.Count);
            // Bias towards the header: half of the positional mutations hit the first 20 bytes.
            if (b.Count > 0 && rng.Next(2) == 0) at = rng.Next(Math.Min(20, b.Count));
            switch (rng.Next(9))
            {
                case 0 when b.Count > 0:
                    b[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when b.Count > 0:
                    b[at] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                    break;
                case 2 when b.Count >= 4:
                {
                    int pos = Math.Min(at - at % 4, b.Count - 4);
                    var v = new byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(v, InterestingInts[rng.Next(InterestingInts.Length)] + rng.Next(-1, 2));
                    for (int i = 0; i < 4; i++) b[pos + i] = v[i];
                    break;
                }
                case 3:
                    b.RemoveRange(Math.Min(at, b.Count), b.Count - Math.Min(at, b.Count));   // truncate
                    break;
                case 4:
                    b.AddRange(Enumerable.Range(0, 1 + rng.Next(rng.Next(2) == 0 ? 4 : 4000)).Select(_ => (byte)rng.Next(256)));
                    break;
                case 5:
                    b.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(16)).Select(_ => (byte)rng.Next(256)));
                    break;
                case 6 when b.Count > 0:
                    b.RemoveRange(at, Math.Min(1 + rng.Next(16), b.Count - at));
                    break;
                case 7 when b.Count > 0:
                {
                    int len = Math.Min(1 + rng.Next(64), b.Count - at);
                    b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                    break;
                }
                default:
                    if (b.Count > 0) b[rng.Next(b.Count)] = (byte)rng.Next(256);
                    break;
            }
        }
        return b.ToArray();
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    public static byte[] Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
