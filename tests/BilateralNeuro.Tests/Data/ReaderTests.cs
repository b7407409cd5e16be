using System.IO.Compression;
using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Data;

public sealed class ReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-readers-").FullName;

    private static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var header = new List<byte> { 0, 0, 8, (byte)(magic & 0xff) };
        foreach (var d in dims) header.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        return [.. header, .. data];
    }

    private string Write(string name, byte[] bytes, bool gz = false)
    {
        var path = Path.Combine(dir, name);
        if (!gz) { File.WriteAllBytes(path, bytes); return path; }
        using var f = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        f.Write(bytes);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_round_trip_raw_and_gzip(bool gz)
    {
        var pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)i).ToArray();
        var images = IdxReader.ReadImages(Write("img", Idx(3, [3, 4, 5], pixels), gz));
        var labels = IdxReader.ReadLabels(Write("lbl", Idx(1, [3], [7, 8, 9]), gz));
        images.shape.Should().Equal(3, 1, 4, 5);
        images[1, 0, 2, 3].item<byte>().Should().Be((byte)(20 + 2 * 5 + 3));
        labels.data<long>().ToArray().Should().Equal(7, 8, 9);
    }

    [Theory]
    [InlineData("truncated", false)]
    [InlineData("truncated", true)]
    [InlineData("oversized", false)]
    [InlineData("oversized", true)]
    [InlineData("magic", false)]
    [InlineData("huge-claim", false)]
    [InlineData("huge-claim", true)]
    [InlineData("short-header", false)]
    public void Malformed_idx_is_refused_with_file_and_offset(string kind, bool gz)
    {
        byte[] bytes = kind switch
        {
            "truncated" => Idx(3, [3, 4, 5], new byte[50]),
            "oversized" => Idx(3, [3, 4, 5], new byte[70]),
            "magic" => Idx(1, [3, 4, 5], new byte[60]),
            "huge-claim" => Idx(3, [1_000_000_000, 28, 28], new byte[100]),
            _ => [0, 0, 8, 3, 0, 0],
        };
        var path = Write(kind + (gz ? ".gz" : ""), bytes, gz);
        var act = () => IdxReader.ReadImages(path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{Path.GetFileName(path)}*byte*");
    }

    [Fact]
    public void Idx_pair_with_different_counts_is_refused()
    {
        var img = Write("i", Idx(3, [2, 1, 1], [1, 2]));
        var lbl = Write("l", Idx(1, [3], [1, 2, 3]));
        var act = () => IdxReader.ReadPair(img, lbl);
        act.Should().Throw<InvalidDataException>().WithMessage("*3 labels*2 images*");
    }

    [Fact]
    public void Cifar100_binary_records_are_read_in_plane_order_with_both_labels()
    {
        var record = new byte[Cifar100Reader.RecordSize * 2];
        record[0] = 19; record[1] = 99;                        // first: coarse 19, fine 99
        record[2 + 0] = 10; record[2 + 1024] = 20; record[2 + 2048 + 33] = 30;   // R(0,0), G(0,0), B(1,1)
        record[Cifar100Reader.RecordSize] = 0; record[Cifar100Reader.RecordSize + 1] = 4;
        File.WriteAllLines(Path.Combine(dir, "fine_label_names.txt"), Cifar100Hierarchy.Instance.FineNames);
        var data = Cifar100Reader.Read(Write("train.bin", record));
        data.Count.Should().Be(2);
        data.Labels["coarse"].data<long>().ToArray().Should().Equal(19, 0);
        data.Labels["fine"].data<long>().ToArray().Should().Equal(99, 4);
        data.Images[0, 0, 0, 0].item<byte>().Should().Be(10);
        data.Images[0, 1, 0, 0].item<byte>().Should().Be(20);
        data.Images[0, 2, 1, 1].item<byte>().Should().Be(30);
        data.ClassNames["fine"][4].Should().Be("beaver");
    }

    [Theory]
    [InlineData(3000, 0)]
    [InlineData(3074, 1)]
    public void Corrupt_cifar100_files_are_refused(int length, int badLabelAt)
    {
        var bytes = new byte[length];
        if (length == 3074) bytes[badLabelAt] = 100;   // fine label 100
        var act = () => Cifar100Reader.Read(Write("test.bin", bytes));
        act.Should().Throw<InvalidDataException>().WithMessage("*test.bin*byte*");
    }

    [Fact]
    public void Cifar100_hierarchy_has_five_fine_classes_per_superclass()
    {
        var h = Cifar100Hierarchy.Instance;
        h.FineNames.Should().HaveCount(100);
        h.CoarseNames.Should().HaveCount(20);
        h.FineToCoarse.GroupBy(c => c).Should().HaveCount(20).And.OnlyContain(g => g.Count() == 5);
        h.CoarseNames[h.FineToCoarse[h.FineNames.ToList().IndexOf("beaver")]].Should().Be("aquatic_mammals");
        h.CoarseNames[h.FineToCoarse[h.FineNames.ToList().IndexOf("pickup_truck")]].Should().Be("vehicles_1");
    }

    [Fact]
    public void Embedded_fashion_mnist_is_the_balanced_subset_with_both_levels()
    {
        var (train, test) = Datasets.FashionMnist(DataLocator.EmbeddedKeyword);
        train.Count.Should().Be(10_000);
        test.Count.Should().Be(2_000);
        train.ClassCount("fine").Should().Be(10);
        train.ClassCount("coarse").Should().Be(4);
        torch.bincount(train.Labels["fine"]).data<long>().ToArray().Should().OnlyContain(c => c == 1000);
        torch.bincount(test.Labels["coarse"]).data<long>().ToArray().Should().Equal(800, 400, 600, 200);
    }

    [Fact]
    public void Embedded_mnist_has_ten_thousand_digits()
    {
        var (train, test) = Datasets.MnistDigits(DataLocator.EmbeddedKeyword);
        (train.Count + test.Count).Should().Be(10_000);
        test.Count.Should().BeInRange(1900, 2100);
        train.Images.shape.Skip(1).Should().Equal(1, 28, 28);
        torch.bincount(test.Labels["fine"]).shape[0].Should().Be(10);
    }

    [Fact]
    public void Locator_prefers_explicit_then_environment_then_cache_then_debian_then_embedded()
    {
        string Make(string name) { var d = Path.Combine(dir, name); Directory.CreateDirectory(d); File.WriteAllText(Path.Combine(d, "x.bin"), ""); return d; }
        var envRoot = Path.Combine(dir, "env"); Directory.CreateDirectory(Path.Combine(envRoot, "ds")); File.WriteAllText(Path.Combine(envRoot, "ds", "x.bin"), "");
        var cacheRoot = Path.Combine(dir, "cache"); Directory.CreateDirectory(Path.Combine(cacheRoot, "bilateralneuro", "ds")); File.WriteAllText(Path.Combine(cacheRoot, "bilateralneuro", "ds", "x.bin"), "");
        var debian = Make("debian");
        var oldEnv = Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable);
        var oldCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", cacheRoot);
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, envRoot);
            DataLocator.Locate("ds", ["x.bin"], Make("explicit"), debian, true).Kind.Should().Be(DataLocationKind.Explicit);
            DataLocator.Locate("ds", ["x.bin"], null, debian, true).Kind.Should().Be(DataLocationKind.EnvironmentVariable);
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, null);
            DataLocator.Locate("ds", ["x.bin"], null, debian, true).Kind.Should().Be(DataLocationKind.UserCache);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(dir, "empty-cache"));
            DataLocator.Locate("ds", ["x.bin"], null, debian, true).Kind.Should().Be(DataLocationKind.DebianPackage);
            DataLocator.Locate("ds", ["x.bin"], null, Path.Combine(dir, "nowhere"), true).Kind.Should().Be(DataLocationKind.Embedded);
            var act = () => DataLocator.Locate("ds", ["x.bin"], null, null, false);
            act.Should().Throw<DirectoryNotFoundException>().WithMessage("*--data-dir*");
            var bad = () => DataLocator.Locate("ds", ["x.bin"], Path.Combine(dir, "nowhere"), debian, true);
            bad.Should().Throw<DirectoryNotFoundException>("an explicit folder that lacks the files is an error, not a silent fallback");
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, oldEnv);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", oldCache);
        }
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
