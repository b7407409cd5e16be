using System.Security.Cryptography;
using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Data;

public sealed class DownloadThenLocateTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-dl-locate-").FullName;
    private readonly string? oldEnv = Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable);
    private readonly string? oldCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");

    [Fact]
    public async Task Files_downloaded_to_the_default_folder_are_found_in_the_user_cache()
    {
        Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, null);
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(dir, "cache"));
        var folder = DatasetDownloader.DefaultFolder("mnist");
        folder.Should().Be(Path.Combine(dir, "cache", "bilateralneuro", "mnist"));

        // Four small IDX files served from loopback (train: 6 images, test: 4).
        var files = new Dictionary<string, byte[]>();
        var src = Path.Combine(dir, "src");
        Directory.CreateDirectory(src);
        foreach (var (split, n) in new[] { ("train", 6), ("t10k", 4) })
        {
            using var images = torch.randint(0, 256, [n, 1, 28, 28], dtype: torch.ScalarType.Byte);
            using var labels = torch.arange(n, dtype: torch.ScalarType.Int64);
            files[$"{split}-images-idx3-ubyte.gz"] = IdxBytes(0x803, [n, 28, 28], images.data<byte>().ToArray());
            files[$"{split}-labels-idx1-ubyte.gz"] = IdxBytes(0x801, [n], labels.data<long>().ToArray().Select(v => (byte)v).ToArray());
        }
        await using var server = new LoopbackHttpServer((r, s, _) =>
            LoopbackHttpServer.ServeWithRanges(r, s, files[r.Path.Split('/')[^1]]));
        using var downloader = new DatasetDownloader();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var items = files.Select(kv => new DownloadItem(kv.Key, Convert.ToHexStringLower(SHA256.HashData(kv.Value))));
        var paths = await downloader.DownloadAllAsync(server.BaseAddress, items, folder, cts.Token);
        paths.Should().HaveCount(4).And.OnlyContain(p => p.StartsWith(folder));

        var (train, test) = Datasets.MnistDigits();
        using (train)
        using (test)
        {
            train.Count.Should().Be(6);
            test.Count.Should().Be(4);
            train.Source.Should().Be(folder);
            test.Labels[LabelLevels.Fine].data<long>().ToArray().Should().Equal(0, 1, 2, 3);
        }
    }

    private static byte[] IdxBytes(int magic, int[] dims, byte[] data)
    {
        var raw = new List<byte> { 0, 0, 8, (byte)(magic & 0xFF) };
        foreach (var d in dims) raw.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        raw.AddRange(data);
        return ReaderFuzzer.Gzip(raw.ToArray());
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, oldEnv);
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", oldCache);
        Directory.Delete(dir, recursive: true);
    }
}
