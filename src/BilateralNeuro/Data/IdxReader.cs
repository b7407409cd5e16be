using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Data;

/// <summary>
/// Reads IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed (detected by the 1F 8B magic). Malformed input
/// raises <see cref="InvalidDataException"/> naming the file and the byte offset; a header that claims more data than
/// the file holds is refused before any large allocation.
/// </summary>
public static class IdxReader
{
    private const int ImagesMagic = 0x00000803, LabelsMagic = 0x00000801;

    /// <summary>Reads an image file into a uint8 tensor (N, 1, H, W).</summary>
    public static Tensor ReadImages(string path)
    {
        var (dims, data, offset) = Read(path, ImagesMagic, 3);
        return torch.tensor(data.AsSpan(offset).ToArray(), [dims[0], 1, dims[1], dims[2]], ScalarType.Byte);
    }

    /// <summary>Reads a label file into an int64 tensor (N).</summary>
    public static Tensor ReadLabels(string path)
    {
        var (dims, data, offset) = Read(path, LabelsMagic, 1);
        return torch.tensor(data.AsSpan(offset).ToArray(), [dims[0]], ScalarType.Byte).to(ScalarType.Int64);
    }

    /// <summary>Reads an image file and its label file, checking they agree.</summary>
    public static (Tensor Images, Tensor Labels) ReadPair(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (images.shape[0] != labels.shape[0])
            throw new InvalidDataException($"{labelsPath}: holds {labels.shape[0]} labels but {imagesPath} holds {images.shape[0]} images.");
        return (images, labels);
    }

    private static (int[] Dims, byte[] Data, int Offset) Read(string path, int magic, int rank)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        byte[] data;
        long headerBytes = 4 + 4L * rank;
        using (var file = File.OpenRead(path))
        {
            Span<byte> probe = stackalloc byte[2];
            int got = file.Read(probe);
            file.Position = 0;
            bool gz = got == 2 && probe[0] == 0x1F && probe[1] == 0x8B;
            Stream s = gz ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
            try
            {
                var header = new byte[headerBytes];
                int n = ReadFully(s, header, path);
                if (n < headerBytes) throw Bad(path, n, $"file ends inside the {headerBytes}-byte header");
                int actualMagic = BinaryPrimitives.ReadInt32BigEndian(header);
                if (actualMagic != magic)
                    throw Bad(path, 0, $"magic 0x{actualMagic:X8}, expected 0x{magic:X8} ({(magic == ImagesMagic ? "uint8 images, 3 dimensions" : "uint8 labels, 1 dimension")})");
                var dims = new int[rank];
                long total = 1;
                for (int i = 0; i < rank; i++)
                {
                    dims[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * i));
                    if (dims[i] <= 0 || (i > 0 && dims[i] > 4096)) throw Bad(path, 4 + 4 * i, $"dimension {i} is {dims[i]}");
                    total *= dims[i];
                }
                // Refuse before allocating: a raw file must hold exactly header + total bytes; a gzip stream is read
                // with a cap of total + 1 bytes and checked afterwards.
                if (!gz && file.Length != headerBytes + total)
                    throw Bad(path, Math.Min(file.Length, headerBytes + total), $"header claims {total} data bytes but the file holds {file.Length - headerBytes}");
                if (gz && total > 64L * file.Length + 1_000_000)
                    throw Bad(path, 0, $"header claims {total} data bytes, more than a {file.Length}-byte gzip file can hold");
                if (total > int.MaxValue - headerBytes) throw Bad(path, 4, $"header claims {total} data bytes, too many to load");
                data = new byte[headerBytes + total];
                header.CopyTo(data, 0);
                int read = ReadFully(s, data.AsSpan((int)headerBytes), path);
                if (read < total) throw Bad(path, headerBytes + read, $"data ends after {read} of {total} bytes (truncated)");
                if (gz && s.ReadByte() != -1) throw Bad(path, headerBytes + total, "more data than the header claims");
                return (dims, data, (int)headerBytes);
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
    }

    private static int ReadFully(Stream s, Span<byte> buffer, string path)
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
