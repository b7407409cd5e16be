using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// Reads IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed (detected by the 1F 8B magic). Malformed input
/// raises <see cref="InvalidDataException"/> naming the file and the byte offset (for gzip files, the offset in the
/// decompressed data); a header that claims more data than the file holds is refused before any large allocation
/// (raw: checked against the file length; gzip: decompressed in chunks with a cap of the claimed size + 1).
/// </summary>
public static class IdxReader
{
    private const int ImagesMagic = 0x00000803, LabelsMagic = 0x00000801;

    /// <summary>Reads an image file into a uint8 tensor (N, 1, H, W).</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX image file.</exception>
    public static Tensor ReadImages(string path)
    {
        using var file = Open(path);
        return ReadImages(file, path);
    }

    /// <summary>
    /// Reads IDX images from a seekable stream (e.g. an embedded resource), from its current position to its end;
    /// <paramref name="name"/> names the source in error messages.
    /// </summary>
    /// <exception cref="ArgumentException">The stream cannot seek (copy it to a <see cref="MemoryStream"/> first).</exception>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX image file.</exception>
    public static Tensor ReadImages(Stream stream, string name)
    {
        var (dims, data) = Read(stream, name, ImagesMagic, 3);
        return torch.tensor(data, [dims[0], 1, dims[1], dims[2]], ScalarType.Byte);
    }

    /// <summary>Reads a label file into an int64 tensor (N).</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX label file.</exception>
    public static Tensor ReadLabels(string path)
    {
        using var file = Open(path);
        return ReadLabels(file, path);
    }

    /// <summary>Reads IDX labels from a seekable stream; <paramref name="name"/> names the source in error messages.</summary>
    /// <exception cref="ArgumentException">The stream cannot seek.</exception>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX label file.</exception>
    public static Tensor ReadLabels(Stream stream, string name)
    {
        var (dims, data) = Read(stream, name, LabelsMagic, 1);
        var values = new long[data.Length];
        for (int i = 0; i < data.Length; i++) values[i] = data[i];
        return torch.tensor(values, [dims[0]], ScalarType.Int64);
    }

    private static FileStream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        return File.OpenRead(path);
    }

    /// <summary>Reads an image file and its label file, checking they agree.</summary>
    /// <exception cref="InvalidDataException">A file is malformed or the counts differ.</exception>
    public static (Tensor Images, Tensor Labels) ReadPair(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        Tensor labels;
        try { labels = ReadLabels(labelsPath); }
        catch { images.Dispose(); throw; }
        long nImages = images.shape[0], nLabels = labels.shape[0];
        if (nImages != nLabels)
        {
            images.Dispose();
            labels.Dispose();
            throw new InvalidDataException($"{labelsPath}: holds {nLabels} labels but {imagesPath} holds {nImages} images.");
        }
        return (images, labels);
    }

    /// <summary>Parses and checks the header, then reads exactly the data it announces (without the header).</summary>
    private static (int[] Dims, byte[] Data) Read(Stream file, string path, int magic, int rank)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        if (!file.CanSeek)
            throw new ArgumentException($"{nameof(IdxReader)}: '{path}': expected a seekable stream; copy it to a MemoryStream first.", nameof(file));
        long headerBytes = 4 + 4L * rank;
        long start = file.Position;
        Span<byte> probe = stackalloc byte[2];
        int got = ReadFully(file, probe);
        file.Position = start;
        bool gz = got == 2 && probe[0] == 0x1F && probe[1] == 0x8B;
        Stream s = gz ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        try
        {
            var header = new byte[headerBytes];
            int n = ReadFully(s, header);
            if (n >= 4 && BinaryPrimitives.ReadInt32BigEndian(header) is int actualMagic && actualMagic != magic)
                throw Bad(path, 0, $"magic 0x{actualMagic:X8}, expected 0x{magic:X8} ({(magic == ImagesMagic ? "uint8 images, 3 dimensions" : "uint8 labels, 1 dimension")})");
            if (n < headerBytes) throw Bad(path, n, $"file ends inside the {headerBytes}-byte header");
            var dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * i));
                if (dims[i] <= 0 || (i > 0 && dims[i] > 4096)) throw Bad(path, 4 + 4 * i, $"dimension {i} is {dims[i]}");
                total *= dims[i];   // <= 2^31 * 4096 * 4096: no overflow
            }
            if (total > Array.MaxLength) throw Bad(path, 4, $"header claims {total} data bytes, too many to load");
            if (!gz)
            {
                // A raw file must hold exactly header + total bytes: checked against its length before allocating.
                long length = file.Length - start;
                if (length != headerBytes + total)
                    throw Bad(path, Math.Min(length, headerBytes + total), $"header claims {total} data bytes but the file holds {length - headerBytes}");
                var data = new byte[total];
                int read = ReadFully(file, data);
                if (read < total) throw Bad(path, headerBytes + read, $"data ends after {read} of {total} bytes (truncated)");
                return (dims, data);
            }
            return (dims, ReadCapped(s, path, headerBytes, total));
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: corrupt gzip stream ({e.Message}).", e);
        }
        finally
        {
            if (gz) s.Dispose();
        }
    }

    /// <summary>
    /// Decompresses at most <paramref name="total"/> + 1 bytes in chunks growing from 64 KiB to 4 MiB, so memory grows
    /// with the data actually present, never with the header's claim; then checks the length.
    /// </summary>
    private static byte[] ReadCapped(Stream s, string path, long headerBytes, long total)
    {
        var chunks = new List<byte[]>();
        long read = 0, cap = total + 1;
        int chunkSize = 1 << 16;
        while (read < cap)
        {
            var chunk = new byte[(int)Math.Min(chunkSize, cap - read)];
            int n = ReadFully(s, chunk);
            read += n;
            if (n < chunk.Length)
            {
                if (n > 0) chunks.Add(chunk[..n]);
                break;   // end of the stream
            }
            chunks.Add(chunk);
            chunkSize = Math.Min(chunkSize * 2, 1 << 22);
        }
        if (read < total) throw Bad(path, headerBytes + read, $"data ends after {read} of {total} bytes (truncated)");
        if (read > total) throw Bad(path, headerBytes + total, "more data than the header claims");
        if (chunks.Count == 1) return chunks[0];
        var data = new byte[total];
        long at = 0;
        foreach (var c in chunks)
        {
            c.CopyTo(data, at);
            at += c.Length;
        }
        return data;
    }

    private static int ReadFully(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static InvalidDataException Bad(string path, long offset, string what) =>
        new($"{path}: invalid IDX file at byte {offset}: {what}.");
}
