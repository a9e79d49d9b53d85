using System.Net;
using System.Net.Sockets;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>A raw TCP server on loopback that runs a handler per accepted socket; echo is the usual handler.</summary>
internal sealed class TcpUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _accepted;

    private TcpUpstream(Func<Socket, Task> handler, int backlog, IPEndPoint? bind = null, Socket? bound = null)
    {
        _handler = handler;
        _listener = bound ?? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (bound is null)
        {
            _listener.Bind(bind ?? new IPEndPoint(IPAddress.Loopback, 0));
        }

        _listener.Listen(backlog);
        _acceptLoop = backlog > 0 ? Task.Run(AcceptLoopAsync) : Task.CompletedTask; // off xunit's synchronization context
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Echoes every byte; after the client's FIN, sends its own FIN.</summary>
    public static TcpUpstream Echo() => new(EchoAsync, 128);

    /// <summary>An echo server on a given loopback address and port (0: any free port).</summary>
    public static TcpUpstream EchoOn(IPAddress address, int port = 0) => new(EchoAsync, 128, new IPEndPoint(address, port));

    /// <summary>An echo server on a socket already bound (a <see cref="ClosedPort"/> that opens), which it takes over.</summary>
    public static TcpUpstream EchoOn(Socket bound) => new(EchoAsync, 128, bound: bound);

    public static TcpUpstream Start(Func<Socket, Task> handler) => new(handler, 128);

    /// <summary>Reads until the client's FIN, only then answers <c>got N bytes</c>, then sends its own FIN.</summary>
    public static TcpUpstream AnswerOnFin() => new(async socket =>
    {
        var received = await ReadToEndAsync(socket);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"got {received.Length} bytes"), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    }, 128);

    /// <summary>Every byte each connection receives up to the client's FIN (or a reset), one entry per connection.</summary>
    public static (TcpUpstream Server, System.Threading.Channels.ChannelReader<byte[]> Received) Recording()
    {
        var received = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var server = new TcpUpstream(async socket => received.Writer.TryWrite(await ReadToEndAsync(socket)), 128);
        return (server, received.Reader);
    }

    /// <summary>Reads up to the end of an HTTP head (CRLFCRLF), byte by byte, and returns it.</summary>
    public static async Task<string> ReadHeadAsync(Socket socket)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None) == 0)
            {
                break;
            }

            head.Add(one[0]);
        }

        return System.Text.Encoding.ASCII.GetString([.. head]);
    }

    /// <summary>What the peer sent until its FIN; until a reset, what arrived before it.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                all.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
        }

        return all.ToArray();
    }

    /// <summary>
    /// A listener that never accepts, its queue filled by filler connections so that further SYNs are dropped:
    /// connects to it hang until the caller's timeout, like a blackholed address, while staying on loopback.
    /// </summary>
    public static async Task<(TcpUpstream Server, Socket[] Fillers)> BlackholeAsync()
    {
        var server = new TcpUpstream(_ => Task.CompletedTask, 0);
        var fillers = new List<Socket>();
        for (var i = 0; i < 8; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await filler.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), quick.Token);
                fillers.Add(filler);
            }
            catch (OperationCanceledException)
            {
                filler.Dispose();
                break; // The queue is full: this SYN was dropped.
            }
        }

        return (server, [.. fillers]);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    try
                    {
                        await _handler(socket);
                    }
                    catch (Exception)
                    {
                        // The test decides what a failure means; the server just drops the connection.
                    }
                }
            });
        }
    }

    private static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[65536];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        _stop.Dispose();
    }
}
