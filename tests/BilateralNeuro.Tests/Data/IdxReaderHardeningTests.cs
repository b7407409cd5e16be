using System.Buffers.Binary;
using System.IO.Compression;
using BilateralNeuro.Data;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Data;

public sealed class IdxReaderHardeningTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-idx-hard-").FullName;

    private static byte[] Header(int magic, params int[] dims)
    {
        var b = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        return b;
    }

    private static byte[] Gzip(byte[] raw, CompressionLevel level = CompressionLevel.SmallestSize)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, level, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void Highly_compressible_valid_gzip_file_is_accepted()
    {
        // 10,000 blank 28x28 images: 7.84 MB that deflate squeezes ~1000:1. A "claimed size <= 64 x file size"
        // plausibility rule would refuse this valid file; the capped chunked read accepts it.
        var raw = Header(0x803, 10_000, 28, 28).Concat(new byte[10_000 * 784]).ToArray();
        var gz = Gzip(raw);
        gz.Length.Should().BeLessThan((raw.Length - 1_000_000) / 64, "the case must defeat a 64x + 1 MB plausibility rule");
        var path = Path.Combine(dir, "blank.gz");
        File.WriteAllBytes(path, gz);

        using var images = IdxReader.ReadImages(path);
        images.shape.Should().Equal(10_000, 1, 28, 28);
        images.sum().item<long>().Should().Be(0);
    }

    [Fact]
    public void Lying_gzip_header_costs_memory_in_proportion_to_the_real_data_only()
    {
        var gz = Gzip(Header(0x801, 2_000_000_000).Concat(new byte[100]).ToArray());
        var path = Path.Combine(dir, "liar.gz");
        File.WriteAllBytes(path, gz);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => IdxReader.ReadLabels(path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*byte 108*truncated*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(2L << 20, "the claim is 2 GB, the data 100 bytes");
    }

    [Fact]
    public void Gzip_trailing_data_is_refused_at_the_claimed_end()
    {
        var path = Path.Combine(dir, "long.gz");
        File.WriteAllBytes(path, Gzip(Header(0x801, 3).Concat(new byte[] { 1, 2, 3, 4, 5 }).ToArray()));
        var act = () => IdxReader.ReadLabels(path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*byte 11*more data*");
    }

    [Fact]
    public void Stream_overloads_read_from_the_current_position_and_name_the_source()
    {
        var body = Header(0x801, 3).Concat(new byte[] { 7, 8, 9 }).ToArray();
        foreach (var bytes in new[] { body, Gzip(body) })
        {
            var ms = new MemoryStream();
            ms.Write([0xAA, 0xBB, 0xCC]);   // junk before the IDX data
            ms.Write(bytes);
            ms.Position = 3;
            using var labels = IdxReader.ReadLabels(ms, "mem");
            labels.data<long>().ToArray().Should().Equal(7, 8, 9);
        }
        var bad = () => IdxReader.ReadImages(new MemoryStream(body), "embedded:labels");
        bad.Should().Throw<InvalidDataException>().WithMessage("embedded:labels*byte 0*magic 0x00000801*");
    }

    [Fact]
    public void Non_seekable_stream_is_refused_with_advice()
    {
        var act = () => IdxReader.ReadLabels(new NonSeekable(new MemoryStream(Header(0x801, 1).Concat(new byte[] { 1 }).ToArray())), "pipe");
        act.Should().Throw<ArgumentException>().WithMessage("*seekable*MemoryStream*");
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
