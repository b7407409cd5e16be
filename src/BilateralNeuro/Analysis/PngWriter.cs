using System.Buffers.Binary;
using System.IO.Compression;
using BilateralNeuro.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>
/// Writes 8-bit RGB or grey PNG files from tensors with no native dependency (zlib from the BCL), for image-like
/// figures (Grad-CAM overlays, phase maps, generated faces). Charts are drawn by the CLI's plotting layer.
/// </summary>
public static class PngWriter
{
    /// <summary>
    /// Writes an image tensor (3, H, W) or (1, H, W) or (H, W) with values in [0, 1] (float) or [0, 255] (uint8).
    /// Written atomically.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not an image of those shapes.</exception>
    public static void Write(string path, Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var img = image.dim() == 2 ? image.unsqueeze(0) : image;
        if (img.dim() != 3 || (img.shape[0] != 1 && img.shape[0] != 3))
            throw new ArgumentException($"{nameof(PngWriter)}: expected an image (3, H, W), (1, H, W) or (H, W), got {Core.Guard.Describe(image)}.", nameof(image));
        if (img.dtype != ScalarType.Byte) img = img.detach().to(ScalarType.Float32).clamp(0, 1).mul(255).round().to(ScalarType.Byte);
        img = img.cpu().permute(1, 2, 0).contiguous();
        int h = (int)img.shape[0], w = (int)img.shape[1], c = (int)img.shape[2];
        var pixels = img.bytes.ToArray();
        AtomicFile.Write(path, s => Encode(s, pixels, w, h, c));
    }

    /// <summary>Encodes raw interleaved 8-bit pixels (grey c = 1 or RGB c = 3) as PNG.</summary>
    public static void Encode(Stream output, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG: 1 or 3 channels.");
        if (pixels.Length != width * height * channels) throw new ArgumentException($"PNG: expected {width * height * channels} bytes, got {pixels.Length}.", nameof(pixels));
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)(channels == 3 ? 2 : 0);
        Chunk(output, "IHDR", header);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            int stride = width * channels;
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(pixels.Slice(y * stride, stride));
            }
        }
        Chunk(output, "IDAT", raw.ToArray());
        Chunk(output, "IEND", []);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc(typeBytes, data);
        BinaryPrimitives.WriteUInt32BigEndian(len, crc);
        s.Write(len);
    }

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc(byte[] type, byte[] data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in type) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
