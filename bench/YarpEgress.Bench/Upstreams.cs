using System.Net;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Bench;

/// <summary>The tool's own loopback upstreams, so measuring needs no peer: one listener per <see cref="UpstreamMode"/>.</summary>
internal sealed class Upstreams : IAsyncDisposable
{
    public const int AnswerBytes = 64;
    private const int BufferSize = 256 * 1024;
    private static readonly byte[] Fill = Enumerable.Repeat((byte)'x', BufferSize).ToArray();

    /// <summary>Where every discarding connection receives into: the bytes are never looked at, so one buffer serves all.</summary>
    private static readonly byte[] Discard = new byte[BufferSize];

    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _httpResponse;

    private Upstreams(int payload)
    {
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {payload}\r\n\r\n");
        _httpResponse = [.. head, .. Fill.AsSpan(0, payload)];
    }

    /// <summary>The ports bound, in the order sink, source, rr, http (see <see cref="BenchOptions.UpstreamPorts"/>).</summary>
    public IReadOnlyList<int> Ports => [.. _listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port)];

    public static Upstreams Start(BenchOptions options)
    {
        var upstreams = new Upstreams(options.Payload);
        upstreams.Listen(options.Sink, UpstreamMode.Sink);
        upstreams.Listen(options.Source, UpstreamMode.Source);
        upstreams.Listen(options.RequestResponse, UpstreamMode.RequestResponse);
        upstreams.Listen(options.Http, UpstreamMode.Http);
        return upstreams;
    }

    private void Listen(IPEndPoint endPoint, UpstreamMode mode)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(endPoint);
        listener.Listen(4096);
        _listeners.Add(listener);
        _loops.Add(Task.Run(() => AcceptAsync(listener, mode)));
    }

    private async Task AcceptAsync(Socket listener, UpstreamMode mode)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            _ = ServeAsync(socket, mode);
        }
    }

    private async Task ServeAsync(Socket socket, UpstreamMode mode)
    {
        using (socket)
        {
            try
            {
                switch (mode)
                {
                    case UpstreamMode.Sink:
                        await DiscardAsync(socket);
                        break;
                    case UpstreamMode.Source:
                        _ = DiscardAsync(socket);
                        while (true)
                        {
                            await socket.SendAsync(Fill, SocketFlags.None, _stop.Token);
                        }

                    case UpstreamMode.RequestResponse:
                        if (await socket.ReceiveAsync(Discard, SocketFlags.None, _stop.Token) > 0)
                        {
                            await socket.SendAsync(Fill.AsMemory(0, AnswerBytes), SocketFlags.None, _stop.Token);
                            await DiscardAsync(socket);
                        }

                        break;
                    case UpstreamMode.Http:
                        await ServeHttpAsync(socket);
                        break;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task DiscardAsync(Socket socket)
    {
        while (await socket.ReceiveAsync(Discard, SocketFlags.None, _stop.Token) > 0)
        {
        }
    }

    /// <summary>Answers each complete request head (GETs, no bodies) with the fixed response.</summary>
    private async Task ServeHttpAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                return;
            }

            filled += read;
            var start = 0;
            int end;
            while ((end = buffer.AsSpan(start, filled - start).IndexOf("\r\n\r\n"u8)) >= 0)
            {
                start += end + 4;
                await socket.SendAsync(_httpResponse, SocketFlags.None, _stop.Token);
            }

            buffer.AsSpan(start, filled - start).CopyTo(buffer);
            filled -= start;
            if (filled == buffer.Length)
            {
                return; // a head larger than the buffer: not a client of ours
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
