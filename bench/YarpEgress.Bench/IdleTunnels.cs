using System.Net;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Bench;

/// <summary>
/// The soak scenario: N concurrent idle CONNECT tunnels through the proxy to a loopback echo upstream of our own, held,
/// then closed; reports the proxy's RSS and open sockets at baseline, with the tunnels up, and after they closed.
/// </summary>
internal static class IdleTunnels
{
    public static async Task<int> RunAsync(IPEndPoint proxy, int count, int? pid, TimeSpan settle)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        upstream.Listen(4096);
        var port = ((IPEndPoint)upstream.LocalEndPoint!).Port;
        var accepted = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await upstream.AcceptAsync(stop.Token);
                    lock (accepted)
                    {
                        accepted.Add(socket);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var baseline = Report("baseline", pid);
        var clients = new List<Socket>(count);
        var request = Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n");
        var response = new byte[128];
        for (var i = 0; i < count; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(proxy);
            await client.SendAsync(request, SocketFlags.None);
            var read = await client.ReceiveAsync(response, SocketFlags.None);
            if (!Encoding.ASCII.GetString(response, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"tunnel {i}: {Encoding.ASCII.GetString(response, 0, read).Trim()}");
                return 1;
            }

            clients.Add(client);
        }

        await Task.Delay(settle);
        var open = Report($"{count} idle tunnels", pid);

        // Both ends close (a tunnel ends when both directions are done).
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await stop.CancelAsync();
        await acceptLoop;
        lock (accepted)
        {
            accepted.ForEach(s => s.Dispose());
        }

        await Task.Delay(settle);
        var closed = Report("closed", pid);
        if (pid is not null)
        {
            Console.WriteLine($"per idle tunnel: {(open.Rss - baseline.Rss) / (double)count:0.0} KiB RSS; after close: {closed.Rss - baseline.Rss} KiB above baseline, {closed.Sockets - baseline.Sockets} sockets left");
        }

        return closed.Sockets == baseline.Sockets || pid is null ? 0 : 1;
    }

    private static (long Rss, int Sockets) Report(string stage, int? pid)
    {
        if (pid is not { } p)
        {
            Console.WriteLine(stage);
            return (0, 0);
        }

        var rss = ProcessProbe.RssKiB(p);
        var sockets = ProcessProbe.OpenSockets(p);
        Console.WriteLine($"{stage,-20} proxy RSS {rss,8} KiB   open sockets {sockets,6}");
        return (rss, sockets);
    }
}
