using System.Security.Cryptography;
using BilateralNeuro.Data;
using FluentAssertions;
using Xunit;

namespace BilateralNeuro.Tests.Data;

public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bn-download-").FullName;
    private readonly CancellationTokenSource bound = new(TimeSpan.FromSeconds(20));
    private static readonly byte[] Body = MakeBody(300_000);
    private static readonly string BodyHash = Convert.ToHexStringLower(SHA256.HashData(Body));

    private static byte[] MakeBody(int n)
    {
        var b = new byte[n];
        new Random(5).NextBytes(b);
        return b;
    }

    private static DatasetDownloader Downloader(int attempts = 3) =>
        new(options: new DatasetDownloaderOptions { MaxAttempts = attempts, RetryDelay = TimeSpan.FromMilliseconds(20), ReadTimeout = TimeSpan.FromSeconds(5) });

    [Fact]
    public async Task Full_download_is_verified_and_renamed_into_place()
    {
        await using var server = new LoopbackHttpServer((r, s, _) => LoopbackHttpServer.ServeWithRanges(r, s, Body));
        using var d = Downloader();
        var path = await d.DownloadAsync(server.BaseAddress, new DownloadItem("train.bin", BodyHash), dir, bound.Token);

        path.Should().Be(Path.Combine(dir, "train.bin"));
        File.ReadAllBytes(path).Should().Equal(Body);
        File.Exists(path + ".partial").Should().BeFalse();
        server.Requests.Should().ContainSingle().Which.Path.Should().Be("/data/train.bin");
        server.Requests.Single().Range.Should().BeNull();

        // Present and verified: a second call makes no request.
        await d.DownloadAsync(server.BaseAddress, new DownloadItem("train.bin", BodyHash), dir, bound.Token);
        server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task Dropped_connection_is_retried_with_a_range_request_from_the_received_length()
    {
        const int cut = 100_000;
        await using var server = new LoopbackHttpServer((r, s, _) =>
            LoopbackHttpServer.ServeWithRanges(r, s, Body, dropAfter: r.Index == 0 ? cut : null));
        using var d = Downloader();
        var path = await d.DownloadAsync(server.BaseAddress, new DownloadItem("train.bin", BodyHash), dir, bound.Token);

        File.ReadAllBytes(path).Should().Equal(Body);
        var requests = server.Requests.ToArray();
        requests.Should().HaveCount(2);
        requests[0].Range.Should().BeNull();
        requests[1].Range.Should().Be($"bytes={cut}-");
    }

    [Fact]
    public async Task A_later_call_resumes_a_partial_file_left_by_a_failed_one()
    {
        const int cut = 70_000;
        await using var server = new LoopbackHttpServer((r, s, _) =>
            LoopbackHttpServer.ServeWithRanges(r, s, Body, dropAfter: r.Index == 0 ? cut : null));
        using var once = Downloader(attempts: 1);
        var first = () => once.DownloadAsync(server.BaseAddress, new DownloadItem("x.gz", BodyHash), dir, bound.Token);
        await first.Should().ThrowAsync<IOException>();
        File.Exists(Path.Combine(dir, "x.gz")).Should().BeFalse();
        new FileInfo(Path.Combine(dir, "x.gz.partial")).Length.Should().Be(cut);

        var path = await once.DownloadAsync(server.BaseAddress, new DownloadItem("x.gz", BodyHash), dir, bound.Token);
        File.ReadAllBytes(path).Should().Equal(Body);
        server.Requests.Select(r => r.Range).Should().Equal(null, $"bytes={cut}-");
    }

    [Fact]
    public async Task Server_ignoring_the_range_gives_a_full_restart_not_a_corrupt_file()
    {
        await using var server = new LoopbackHttpServer(async (r, s, _) =>
        {
            await LoopbackHttpServer.WriteHead(s, 200, "OK", Body.Length);
            await s.WriteAsync(Body.AsMemory(0, r.Index == 0 ? 50_000 : Body.Length));
        });
        using var d = Downloader();
        var path = await d.DownloadAsync(server.BaseAddress, new DownloadItem("f", BodyHash), dir, bound.Token);
        File.ReadAllBytes(path).Should().Equal(Body);
        server.Requests.Select(r => r.Range).Should().Equal(null, "bytes=50000-");
    }

    [Fact]
    public async Task Wrong_hash_leaves_no_file_and_throws_InvalidDataException()
    {
        await using var server = new LoopbackHttpServer((r, s, _) => LoopbackHttpServer.ServeWithRanges(r, s, Body));
        using var d = Downloader();
        var wrong = new string('0', 64);
        var act = () => d.DownloadAsync(server.BaseAddress, new DownloadItem("train.bin", wrong), dir, bound.Token);
        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain(BodyHash).And.Contain(wrong);
        Directory.EnumerateFileSystemEntries(dir).Should().BeEmpty();
    }

    [Fact]
    public async Task Not_found_is_not_retried()
    {
        await using var server = new LoopbackHttpServer((r, s, _) => LoopbackHttpServer.WriteHead(s, 404, "Not Found", 0));
        using var d = Downloader(attempts: 4);
        var act = () => d.DownloadAsync(server.BaseAddress, new DownloadItem("missing", BodyHash), dir, bound.Token);
        (await act.Should().ThrowAsync<HttpRequestException>()).Which.Message.Should().Contain("404");
        server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task Cancellation_stops_a_stalled_transfer_and_keeps_the_partial_file()
    {
        await using var server = new LoopbackHttpServer(async (r, s, stop) =>
        {
            await LoopbackHttpServer.WriteHead(s, 200, "OK", Body.Length);
            await s.WriteAsync(Body.AsMemory(0, 10_000));
            await s.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), stop);
        });
        using var d = Downloader();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var act = () => d.DownloadAsync(server.BaseAddress, new DownloadItem("slow", BodyHash), dir, cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        File.Exists(Path.Combine(dir, "slow")).Should().BeFalse();
        new FileInfo(Path.Combine(dir, "slow.partial")).Length.Should().Be(10_000);
    }

    [Theory]
    [InlineData("../escape", "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("ok.bin", "not-a-hash")]
    public async Task Bad_names_and_hashes_are_refused_before_any_request(string name, string hash)
    {
        using var d = Downloader();
        var act = () => d.DownloadAsync(new Uri("http://127.0.0.1:9/"), new DownloadItem(name, hash), dir, bound.Token);
        await act.Should().ThrowAsync<ArgumentException>();
    }

    public void Dispose()
    {
        bound.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
