using System.Net;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Bench;

/// <summary>
/// Opens one byte stream to an upstream along a <see cref="PathKind"/>. SNI names are <c>sink.bench</c>,
/// <c>source.bench</c> and <c>rr.bench</c>, which the gateway's bench config routes to the upstream ports.
/// </summary>
internal sealed class Dialer(PathKind path, BenchOptions options)
{
    private static readonly Dictionary<UpstreamMode, string> Names = new()
    {
        [UpstreamMode.Sink] = "sink.bench",
        [UpstreamMode.Source] = "source.bench",
        [UpstreamMode.RequestResponse] = "rr.bench",
    };

    public PathKind Path => path;

    /// <summary>The first bytes a client sends: a ClientHello, as on SNI paths (the rr upstream answers any first bytes).</summary>
    public byte[] Hello { get; } = TlsClientHello.For("rr.bench");

    /// <summary>Opens the stream; returns the socket and how many upstream bytes already arrived behind the CONNECT answer.</summary>
    public async Task<(Socket Socket, int Early)> OpenAsync(UpstreamMode target, CancellationToken cancellationToken)
    {
        var upstream = target switch
        {
            UpstreamMode.Sink => options.Sink,
            UpstreamMode.Source => options.Source,
            UpstreamMode.RequestResponse => options.RequestResponse,
            _ => options.Http,
        };
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            switch (path)
            {
                case PathKind.Direct:
                    await socket.ConnectAsync(upstream, cancellationToken);
                    return (socket, 0);
                case PathKind.Sni:
                    await socket.ConnectAsync(options.Sni, cancellationToken);
                    await socket.SendAsync(TlsClientHello.For(Names[target]), SocketFlags.None, cancellationToken);
                    return (socket, 0);
                default:
                    await socket.ConnectAsync(options.Proxy, cancellationToken);
                    var early = await ConnectAsync(socket, upstream, cancellationToken);
                    return (socket, early);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends CONNECT (with <c>--proxy-credentials</c>, carrying them) and reads the answer head; anything but 200 is an error.</summary>
    private async Task<int> ConnectAsync(Socket socket, IPEndPoint upstream, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {upstream} HTTP/1.1\r\nHost: {upstream}\r\n{options.ProxyAuthorizationLine}\r\n"), SocketFlags.None, cancellationToken);
        var buffer = new byte[4096];
        var filled = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("the proxy closed before answering CONNECT");
            }

            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                if (filled == buffer.Length)
                {
                    throw new IOException("the CONNECT answer head is too large");
                }

                continue;
            }

            if (!buffer.AsSpan(0, filled).StartsWith("HTTP/1.1 200"u8) && !buffer.AsSpan(0, filled).StartsWith("HTTP/1.0 200"u8))
            {
                throw new IOException($"CONNECT refused: {Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n")[0]}");
            }

            return filled - end - 4;
        }
    }
}
