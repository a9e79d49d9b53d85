using System.Net.Sockets;

namespace YarpEgress.Bench;

/// <summary>
/// <c>idle-tunnels</c> and <c>idle-sni</c>: <c>--count</c> tunnels (CONNECT; SNI for <c>idle-sni</c>) each complete one exchange
/// with the rr upstream and are then held idle; reports the proxy's RSS and open sockets at baseline, with the tunnels
/// up, and after they closed, and the RSS per idle tunnel.
/// </summary>
internal static class IdleTunnels
{
    public static async Task<int> RunAsync(BenchOptions options, Dialer dialer)
    {
        var settle = TimeSpan.FromSeconds(2);
        var baseline = Report("baseline", options.Pid);
        var clients = new List<Socket>(options.Count);
        var buffer = new byte[4096];
        for (var i = 0; i < options.Count; i++)
        {
            var (socket, early) = await dialer.OpenAsync(UpstreamMode.RequestResponse, CancellationToken.None);
            clients.Add(socket);
            if (dialer.Path != PathKind.Sni)
            {
                await socket.SendAsync(dialer.Hello, SocketFlags.None);
            }

            for (var got = early; got < Upstreams.AnswerBytes;)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
                got += read > 0 ? read : throw new IOException($"tunnel {i} closed before the answer");
            }
        }

        await Task.Delay(settle);
        var open = Report($"{options.Count} idle tunnels", options.Pid);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await Task.Delay(settle);
        var closed = Report("closed", options.Pid);
        if (options.Pid is null)
        {
            return 0;
        }

        var perTunnel = (open.Rss - baseline.Rss) / (double)options.Count;
        Console.WriteLine($"per idle tunnel: {perTunnel:0.0} KiB RSS; after close: {closed.Rss - baseline.Rss} KiB above baseline, {closed.Sockets - baseline.Sockets} sockets left");
        Console.WriteLine(FormattableString.Invariant($"result scenario=idle-tunnels path={dialer.Path.ToString().ToLowerInvariant()} count={options.Count} value={perTunnel:0.0} unit=KiB/tunnel sockets_left={closed.Sockets - baseline.Sockets}"));
        return closed.Sockets == baseline.Sockets ? 0 : 1;
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
