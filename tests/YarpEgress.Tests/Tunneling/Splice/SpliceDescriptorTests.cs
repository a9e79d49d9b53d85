using Microsoft.Extensions.Logging.Abstractions;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tunneling;
using YarpEgress.Tunneling.Splice;
using static YarpEgress.Tests.Tunneling.Splice.SpliceTunnelHarness;

namespace YarpEgress.Tests.Tunneling.Splice;

/// <summary>The splice engine leaves no descriptor behind: sockets, pipes, its epoll and eventfd (counted in /proc/self/fd, run alone).</summary>
[Collection(ProcessResourcesCollection.Name)]
public sealed class SpliceDescriptorTests
{
    [Fact]
    public async Task Many_tunnels_ended_every_way_leave_no_descriptor_open()
    {
        using (var warmUp = NewRelay())
        {
            await OneAsync(warmUp, 0); // the runtime's own socket engine (its epoll and pipe) starts with the first socket
        }

        var before = OpenDescriptors();
        using (var relay = NewRelay())
        {
            for (var round = 0; round < 10; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, 30).Select(i => OneAsync(relay, i % 3)));
            }

            Assert.Equal(300, relay.Taken);
        }

        Assert.InRange(OpenDescriptors() - before, int.MinValue, 0);
    }

    /// <summary>One tunnel that moves bytes both ways (so that it takes pipes), then ends closed, by a reset, or cancelled.</summary>
    private static async Task OneAsync(SpliceRelay relay, int way)
    {
        using var cancel = new CancellationTokenSource();
        await using var tunnel = await StartAsync(relay, "pending"u8.ToArray(), cancellationToken: cancel.Token);
        var upstreamReceived = ReadToEndAsync(tunnel.Upstream);
        var clientReceived = ReadToEndAsync(tunnel.Client);
        await tunnel.Upstream.SendAsync(new byte[200_000], System.Net.Sockets.SocketFlags.None);
        await tunnel.Client.SendAsync(new byte[100_000], System.Net.Sockets.SocketFlags.None);
        var expected = TunnelEnd.Closed;
        if (way == 1)
        {
            Reset(tunnel.Upstream);
            expected = TunnelEnd.UpstreamReset;
        }
        else
        {
            if (way == 2)
            {
                cancel.Cancel();
                expected = TunnelEnd.Cancelled;
            }

            tunnel.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            tunnel.Upstream.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }

        Assert.Equal(expected, (await tunnel.EndAsync()).End);
        await Task.WhenAll(Quietly(upstreamReceived), Quietly(clientReceived));
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    private static SpliceRelay NewRelay() =>
        new(TimeProvider.System, () => new SpliceSettings(Enabled: true, PipeBytes: 256 * 1024), NullLogger<SpliceRelay>.Instance);

    /// <summary>Sockets, pipes, epoll and eventfd descriptors (not the assemblies the runtime maps as it loads them).</summary>
    private static int OpenDescriptors()
    {
        var count = 0;
        foreach (var fd in new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos())
        {
            try
            {
                if (fd.LinkTarget is { } target && (target.StartsWith("socket:", StringComparison.Ordinal) || target.StartsWith("pipe:", StringComparison.Ordinal) || target.StartsWith("anon_inode:", StringComparison.Ordinal)))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // closed while listed
            }
        }

        return count;
    }
}
