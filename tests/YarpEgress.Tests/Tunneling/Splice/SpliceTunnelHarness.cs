using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using YarpEgress.Transport;
using YarpEgress.Tunneling;
using YarpEgress.Tunneling.Splice;

namespace YarpEgress.Tests.Tunneling.Splice;

/// <summary>
/// One tunnel through a <see cref="SpliceRelay"/> over real loopback sockets: the client application's socket and
/// the gateway's accepted end of it (detached with <c>pending</c> bytes, as the transport hands it over), and the
/// gateway's dialed upstream socket and the upstream application's end.
/// </summary>
internal sealed class SpliceTunnelHarness : IAsyncDisposable
{
    private SpliceTunnelHarness(Socket client, Socket gatewayClient, Socket gatewayUpstream, Socket upstream)
    {
        Client = client;
        GatewayClient = gatewayClient;
        GatewayUpstream = gatewayUpstream;
        Upstream = upstream;
    }

    public Socket Client { get; }

    public Socket GatewayClient { get; }

    public Socket GatewayUpstream { get; }

    public Socket Upstream { get; }

    public CountingMeter Meter { get; } = new();

    public Task<TunnelResult?> Result { get; private set; } = null!;

    public static async Task<SpliceTunnelHarness> StartAsync(SpliceRelay relay, byte[]? pending = null, TunnelTimeouts? timeouts = null, CancellationToken cancellationToken = default)
    {
        var (client, gatewayClient) = await PairAsync();
        var (gatewayUpstream, upstream) = await PairAsync();
        var harness = new SpliceTunnelHarness(client, gatewayClient, gatewayUpstream, upstream);
        var input = new Pipe(new PipeOptions(pauseWriterThreshold: 0)); // holds all of them, as the transport's pipe may
        await input.Writer.WriteAsync(pending ?? []);
        await input.Writer.CompleteAsync();
        input.Reader.TryRead(out var read);
        var detached = new DetachedSocket(gatewayClient, input.Reader, read.Buffer);
        harness.Result = relay.RelayAsync(detached, gatewayUpstream, harness.Meter, timeouts ?? new TunnelTimeouts(TimeSpan.FromMinutes(10), null), cancellationToken).AsTask();
        return harness;
    }

    /// <summary>The tunnel's end, within a generous bound so that a hang fails the test instead of the run.</summary>
    public async Task<TunnelResult> EndAsync()
    {
        var result = await Result.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(result);
        return result.Value;
    }

    public static async Task<(Socket Connecting, Socket Accepted)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await connecting.ConnectAsync(listener.LocalEndPoint!);
        return (connecting, await accept);
    }

    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30))) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }

    /// <summary>Reads until the peer's reset; fails on a FIN.</summary>
    public static async Task ReadUntilResetAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)) > 0)
            {
            }
        });
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Result.IsCompleted)
        {
            Reset(Client);
            Reset(Upstream);
            await Result.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Client.Dispose();
        Upstream.Dispose();
        GatewayClient.Dispose();
        GatewayUpstream.Dispose();
    }
}
