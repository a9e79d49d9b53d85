using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// A raw HTTP/1.1 origin on loopback that records every request head exactly as the bytes arrived (request line
/// included, which a Kestrel origin would already have decoded) and answers 200 with that head as its body. It reads
/// a Content-Length or chunked request body before answering, and keeps the connection alive.
/// </summary>
internal sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly TcpUpstream _server;
    private readonly ConcurrentQueue<string> _heads = new();

    private RecordingUpstream(string responseHeaders) => _server = TcpUpstream.Start(socket => ServeAsync(socket, responseHeaders));

    public int Port => _server.Port;

    public int Accepted => _server.Accepted;

    public IReadOnlyList<string> Heads => [.. _heads];

    /// <param name="responseHeaders">Extra response header lines, each ending in CRLF.</param>
    public static RecordingUpstream Start(string responseHeaders = "") => new(responseHeaders);

    /// <summary>The request line of the only request received.</summary>
    public string RequestLine => Assert.Single(_heads).Split("\r\n")[0];

    private async Task ServeAsync(Socket socket, string responseHeaders)
    {
        var reader = new ByteReader(socket);
        while (await reader.ReadHeadAsync() is { } head)
        {
            _heads.Enqueue(head);
            var lines = head.Split("\r\n");
            if (lines.Any(l => l.StartsWith("transfer-encoding:", StringComparison.OrdinalIgnoreCase)))
            {
                while (await reader.ReadLineAsync() is { } size && size.Length > 0 && int.Parse(size, NumberStyles.HexNumber, CultureInfo.InvariantCulture) is var length)
                {
                    if (length == 0)
                    {
                        while (await reader.ReadLineAsync() is { Length: > 0 })
                        {
                        }

                        break;
                    }

                    await reader.SkipAsync(length + 2);
                }
            }
            else if (lines.FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase)) is { } contentLength)
            {
                await reader.SkipAsync(int.Parse(contentLength["content-length:".Length..].Trim(), CultureInfo.InvariantCulture));
            }

            var body = Encoding.Latin1.GetBytes(head);
            var response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n{responseHeaders}\r\n");
            await socket.SendAsync(response.Concat(body).ToArray(), SocketFlags.None);
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Reads a socket byte by byte (a test's heads are small): lines, heads, skipped bodies.</summary>
    private sealed class ByteReader(Socket socket)
    {
        private readonly byte[] _one = new byte[1];

        public async Task<string?> ReadHeadAsync()
        {
            var head = new StringBuilder();
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(_one, SocketFlags.None) == 0)
                {
                    return null;
                }

                head.Append((char)_one[0]);
            }

            return head.ToString();
        }

        public async Task<string?> ReadLineAsync()
        {
            var line = new StringBuilder();
            while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(_one, SocketFlags.None) == 0)
                {
                    return null;
                }

                line.Append((char)_one[0]);
            }

            return line.ToString()[..^2];
        }

        public async Task SkipAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (await socket.ReceiveAsync(_one, SocketFlags.None) == 0)
                {
                    return;
                }
            }
        }
    }
}
