using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BilateralNeuro.Tests.Data;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port) for downloader tests: one request per connection
/// (<c>Connection: close</c>); the handler writes the whole response, or part of it to simulate a dropped connection.
/// Every request's headers are recorded.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Func<Request, NetworkStream, CancellationToken, Task> handler;
    private readonly Task loop;

    public sealed record Request(int Index, string Method, string Path, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Range => Headers.TryGetValue("range", out var r) ? r : null;
    }

    public LoopbackHttpServer(Func<Request, NetworkStream, CancellationToken, Task> handler)
    {
        this.handler = handler;
        listener.Start();
        loop = Task.Run(AcceptLoop);
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/data/");
    public ConcurrentQueue<Request> Requests { get; } = new();

    private async Task AcceptLoop()
    {
        int index = 0;
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) { return; }
            int i = index++;
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        var request = await ReadRequest(stream, i);
                        Requests.Enqueue(request);
                        await handler(request, stream, stop.Token);
                        await stream.FlushAsync();
                        client.Client.Shutdown(SocketShutdown.Both);
                    }
                    catch (Exception) { /* the client went away or the test ended */ }
                }
            });
        }
    }

    private static async Task<Request> ReadRequest(NetworkStream stream, int index)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 16_384)
        {
            if (await stream.ReadAsync(one) == 0) break;
            bytes.Add(one[0]);
            int n = bytes.Count;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') break;
        }
        var lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Contains(':')))
        {
            int c = line.IndexOf(':');
            headers[line[..c].Trim().ToLowerInvariant()] = line[(c + 1)..].Trim();
        }
        return new Request(index, first[0], first.Length > 1 ? first[1] : "", headers);
    }

    /// <summary>Writes a status line and headers (with Connection: close).</summary>
    public static Task WriteHead(NetworkStream s, int status, string reason, long contentLength, string? contentRange = null)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\nContent-Length: {contentLength}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n");
        if (contentRange is not null) head.Append($"Content-Range: {contentRange}\r\n");
        head.Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(head.ToString());
        return s.WriteAsync(bytes, 0, bytes.Length);
    }

    /// <summary>Serves <paramref name="body"/> honouring a <c>Range: bytes=N-</c> header.</summary>
    public static async Task ServeWithRanges(Request r, NetworkStream s, byte[] body, int? dropAfter = null)
    {
        long from = 0;
        if (r.Range is string range && range.StartsWith("bytes=") && range.EndsWith('-'))
            from = long.Parse(range["bytes=".Length..^1]);
        if (from >= body.Length && from > 0)
        {
            await WriteHead(s, 416, "Range Not Satisfiable", 0, $"bytes */{body.Length}");
            return;
        }
        if (from > 0) await WriteHead(s, 206, "Partial Content", body.Length - from, $"bytes {from}-{body.Length - 1}/{body.Length}");
        else await WriteHead(s, 200, "OK", body.Length);
        int count = (int)(body.Length - from);
        if (dropAfter is int d) count = Math.Min(count, d);
        await s.WriteAsync(body.AsMemory((int)from, count));
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        try { await loop; } catch (Exception) { }
        stop.Dispose();
    }
}
