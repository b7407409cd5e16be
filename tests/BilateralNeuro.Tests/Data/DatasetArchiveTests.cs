using System.Formats.Tar;
using System.IO.Compression;
using BilateralNeuro.Data;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Data;

public sealed class DatasetArchiveTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-archive-").FullName;

    private string MakeTarGz(string name, params (string Entry, byte[]? Data, TarEntryType Type)[] entries)
    {
        var path = Path.Combine(dir, name);
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (var (entry, data, type) in entries)
        {
            var e = new PaxTarEntry(type, entry);
            if (type == TarEntryType.SymbolicLink) e.LinkName = "/etc/passwd";
            if (data is not null) e.DataStream = new MemoryStream(data);
            tar.WriteEntry(e);
        }
        return path;
    }

    private static byte[] Records(int n)
    {
        var b = new byte[n * Cifar100Reader.RecordSize];
        for (int i = 0; i < n; i++)
        {
            b[i * Cifar100Reader.RecordSize] = (byte)(i % 20);
            b[i * Cifar100Reader.RecordSize + 1] = (byte)(i % 100);
            b[i * Cifar100Reader.RecordSize + 2 + 1024 + 5] = (byte)(i + 1);   // green plane, row 0, column 5
        }
        return b;
    }

    [Fact]
    public void Cifar100_archive_extracts_to_a_folder_that_Datasets_loads()
    {
        var archive = MakeTarGz("cifar-100-binary.tar.gz",
            ("cifar-100-binary/", null, TarEntryType.Directory),
            ("cifar-100-binary/train.bin", Records(5), TarEntryType.RegularFile),
            ("cifar-100-binary/test.bin", Records(2), TarEntryType.RegularFile),
            ("cifar-100-binary/fine_label_names.txt", System.Text.Encoding.ASCII.GetBytes(string.Join("\n", Cifar100Hierarchy.Instance.FineNames) + "\n"), TarEntryType.RegularFile),
            ("cifar-100-binary/coarse_label_names.txt", System.Text.Encoding.ASCII.GetBytes(string.Join("\n", Cifar100Hierarchy.Instance.CoarseNames) + "\n"), TarEntryType.RegularFile));
        var dest = Path.Combine(dir, "out");
        var files = DatasetArchive.ExtractTarGz(archive, dest);
        files.Should().HaveCount(4);
        Directory.GetFiles(dest, "*.partial", SearchOption.AllDirectories).Should().BeEmpty();

        var (train, test) = Datasets.Cifar100(Path.Combine(dest, "cifar-100-binary"));
        using (train)
        using (test)
        {
            train.Count.Should().Be(5);
            test.Count.Should().Be(2);
            train.Images[3, 1, 0, 5].item<byte>().Should().Be(4);
            train.Labels[LabelLevels.Fine].data<long>().ToArray().Should().Equal(0, 1, 2, 3, 4);
            train.ClassNames[LabelLevels.Fine][4].Should().Be("beaver");
        }
    }

    [Theory]
    [InlineData("../escape.bin", TarEntryType.RegularFile)]
    [InlineData("cifar-100-binary/link", TarEntryType.SymbolicLink)]
    public void Unsafe_entries_are_refused(string entry, TarEntryType type)
    {
        var archive = MakeTarGz("evil.tar.gz", (entry, type == TarEntryType.RegularFile ? new byte[] { 1 } : null, type));
        var dest = Path.Combine(dir, "out");
        var act = () => DatasetArchive.ExtractTarGz(archive, dest);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{entry}*");
        File.Exists(Path.Combine(dir, "escape.bin")).Should().BeFalse();
    }

    [Fact]
    public void Corrupt_archive_is_an_InvalidDataException()
    {
        var archive = MakeTarGz("ok.tar.gz", ("a.bin", new byte[5000], TarEntryType.RegularFile));
        var bytes = File.ReadAllBytes(archive);
        var cut = Path.Combine(dir, "cut.tar.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var act = () => DatasetArchive.ExtractTarGz(cut, Path.Combine(dir, "out2"));
        act.Should().Throw<InvalidDataException>().WithMessage("*cut.tar.gz*");
        Directory.GetFiles(Path.Combine(dir, "out2"), "*", SearchOption.AllDirectories).Should().BeEmpty("a half-written file is removed");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
