using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;
using YarpEgress.Transport;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// What a client pushes before its tunnel is up waits in the gateway, and is bounded per connection: the transport's
/// input pipe stops reading at <see cref="EgressSocketConnection.InputPauseBytes"/> (the kernel's socket buffer holds
/// the rest), and the hand-over passes those bytes on without a copy. The upstream here is a parent proxy that answers
/// only once the client can push no more, then reads slowly: every byte still arrives, in order.
/// </summary>
public sealed class HandOverBufferTests
{
    private const int HeadCap = 16384;

    /// <summary>The most a connection may hold before its tunnel: the pipe's pause, one receive, and a peeked head or hello.</summary>
    private const int Bound = EgressSocketConnection.InputPauseBytes + EgressSocketConnection.ReceiveSize + HeadCap;

    private static byte Pattern(long i) => (byte)(i % 251);

    [Theory]
    [InlineData("connect")]
    [InlineData("sni")]
    public async Task Bytes_pushed_before_the_tunnel_is_up_stay_bounded_and_all_arrive(string path)
    {
        var clientStalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<(long Count, bool InOrder)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var prefix = path == "sni" ? ClientHelloSamples.ChromiumStyle("a.example.test") : [];
        await using var parent = TcpUpstream.Start(async socket =>
        {
            await TcpUpstream.ReadHeadAsync(socket);
            await clientStalled.Task; // the dial is slow: the client pushes all it can meanwhile
            await socket.SendAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), SocketFlags.None);
            received.TrySetResult(await ReadSlowlyAsync(socket, prefix));
        });
        var handOvers = new ConcurrentQueue<long>();
        await using var gateway = await TestGateway.StartAsync(new
        {
            Egress = new
            {
                Listeners = new object[]
                {
                    new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http" },
                    new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = 443 },
                },
                Admin = new { Address = "127.0.0.1", Port = 0 },
                PrivateNetworks = new { Allow = new[] { "127.0.0.0/8" } },
                Allow = new[] { new { Host = "a.example.test", Ports = new[] { "443" } } },
                Limits = new { MaxRequestHeadBytes = HeadCap, MaxClientHelloBytes = HeadCap },
                Routes = new[] { new { Host = "a.example.test", Via = $"http://127.0.0.1:{parent.Port}" } },
            },
        },
            services => services.AddSingleton<IConnectionListenerFactory>(new RecordingTransport(new EgressSocketTransportFactory(), handOvers)));

        using var client = await RawClient.ConnectAsync(path == "sni" ? gateway.EndPoint("tls") : gateway.Proxy);
        await client.SendAsync(path == "sni" ? prefix : "CONNECT a.example.test:443 HTTP/1.1\r\n\r\n"u8.ToArray());
        var pushed = await StallingSender.PushUntilStalledAsync(client.Socket, Pattern);
        clientStalled.SetResult();
        client.Socket.Shutdown(SocketShutdown.Send);

        var (count, inOrder) = await received.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(pushed, count);
        Assert.True(inOrder);
        var handedOver = Assert.Single(handOvers) - prefix.Length;
        Assert.InRange(handedOver, EgressSocketConnection.InputPauseBytes - HeadCap, Bound); // filled to the pause, never past the bound
    }

    /// <summary>Reads 16 KiB at a time with pauses, up to the FIN, checking the pattern after the prefix.</summary>
    private static async Task<(long Count, bool InOrder)> ReadSlowlyAsync(Socket socket, byte[] prefix)
    {
        var buffer = new byte[16384];
        long offset = -prefix.Length;
        var inOrder = true;
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            for (var i = 0; i < read; i++, offset++)
            {
                inOrder &= offset < 0 ? buffer[i] == prefix[offset + prefix.Length] : buffer[i] == Pattern(offset);
            }

            await Task.Delay(1);
        }

        return (offset, inOrder);
    }

    /// <summary>The gateway's real transport, recording how many bytes each tunnel took over from it at the hand-over.</summary>
    private sealed class RecordingTransport(EgressSocketTransportFactory inner, ConcurrentQueue<long> handOvers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        public bool CanBind(EndPoint endpoint) => inner.CanBind(endpoint);

        public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            new RecordingListener(await inner.BindAsync(endpoint, cancellationToken), handOvers);
    }

    private sealed class RecordingListener(IConnectionListener inner, ConcurrentQueue<long> handOvers) : IConnectionListener
    {
        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var connection = await inner.AcceptAsync(cancellationToken);
            if (connection?.Features.Get<ISocketDetachFeature>() is { } detach)
            {
                connection.Features.Set<ISocketDetachFeature>(new RecordingDetach(detach, handOvers));
            }

            return connection;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class RecordingDetach(ISocketDetachFeature inner, ConcurrentQueue<long> handOvers) : ISocketDetachFeature
    {
        public async ValueTask<DetachedSocket?> DetachAsync()
        {
            var detached = await inner.DetachAsync();
            handOvers.Enqueue(detached?.Pending.Length ?? -1);
            return detached;
        }
    }
}
