using System.Net;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>A plain socket client for the protocol edge cases that HttpClient will not produce.</summary>
internal sealed class RawClient : IDisposable
{
    private RawClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint, IPAddress? from = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(from, 0)); // a loopback source address of the test's choosing
        }

        await socket.ConnectAsync(endPoint);
        return new RawClient(socket);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await Socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    /// <summary>Reads up to the end of an HTTP response head (CRLFCRLF) and returns it, leaving the rest unread.</summary>
    public async Task<string> ReadHeadAsync()
    {
        var head = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (head.Count < 65536)
        {
            var read = await Socket.ReceiveAsync(one, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                break;
            }
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    /// <summary>Reads until the server closes its sending side (or <paramref name="max"/> bytes).</summary>
    public async Task<byte[]> ReadToEndAsync(int max = 64 * 1024 * 1024)
    {
        var result = new MemoryStream();
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (result.Length < max)
        {
            var read = await Socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            result.Write(buffer, 0, read);
        }

        return result.ToArray();
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var have = 0;
        while (have < count)
        {
            var read = await Socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"closed after {have} of {count} bytes");
            }

            have += read;
        }

        return buffer;
    }

    /// <summary>Reads one response: its head, then a body of Content-Length bytes.</summary>
    public async Task<(string Head, string Body)> ReadResponseAsync()
    {
        var head = await ReadHeadAsync();
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return (head, Encoding.UTF8.GetString(await ReadExactlyAsync(length)));
    }

    /// <summary>
    /// Asks a proxy for one CONNECT tunnel and closes the connection: the response head, and for a refusal the body.
    /// </summary>
    /// <summary>Opens a CONNECT tunnel through the proxy and checks the 200; the caller owns the client.</summary>
    public static async Task<RawClient> OpenTunnelAsync(IPEndPoint proxy, string authority)
    {
        var tunnel = await ConnectAsync(proxy);
        await tunnel.SendAsync($"CONNECT {authority} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await tunnel.ReadHeadAsync(), StringComparison.Ordinal);
        return tunnel;
    }

    public static async Task<(string Head, string Body)> ConnectOnceAsync(IPEndPoint proxy, string authority)
    {
        using var raw = await ConnectAsync(proxy);
        await raw.SendAsync($"CONNECT {authority} HTTP/1.1\r\n\r\n");
        var head = await raw.ReadHeadAsync();
        return head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) ? (head, string.Empty) : (head, Encoding.UTF8.GetString(await raw.ReadToEndAsync()));
    }

    /// <summary>Sends one request on a new connection and reads one Content-Length-framed response.</summary>
    public static async Task<(string Head, string Body)> ExchangeOnceAsync(IPEndPoint proxy, string request)
    {
        using var raw = await ConnectAsync(proxy);
        await raw.SendAsync(request);
        return await raw.ReadResponseAsync();
    }

    /// <summary>Sends an HTTP request head and returns the response head and the body up to the server's close.</summary>
    public async Task<(string Head, string Body)> RequestAsync(string request)
    {
        await SendAsync(request);
        var head = await ReadHeadAsync();
        var body = Encoding.UTF8.GetString(await ReadToEndAsync());
        return (head, body);
    }

    public void Dispose() => Socket.Dispose();
}
