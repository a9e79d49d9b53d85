using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// An upstream that resets the connection it has just accepted: the client gets a 502 (or, when the reset comes after
/// the 200, a reset), never a bare EOF; nothing escapes to Kestrel as an unhandled exception; the upstream socket is
/// closed. Runs alone: it counts the process's open sockets.
/// </summary>
[Collection(ProcessResourcesCollection.Name)]
public sealed class UpstreamResetTests
{
    /// <summary>Closes with RST at once: SO_LINGER on with a zero timeout.</summary>
    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static Task<TestGateway> GatewayAsync(int port, object[]? routes = null) => TestGateway.StartAsync(new
    {
        Egress = new
        {
            Listeners = new[] { new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http" } },
            Admin = new { Address = "127.0.0.1", Port = 0 },
            PrivateNetworks = new { Allow = new[] { "127.0.0.0/8" } },
            Allow = new[] { new { Host = "a.example.test", Ports = new[] { $"{port}" } } },
            Hosts = new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            Routes = routes ?? [],
        },
    }, services => services.AddLogging(b => b.AddFakeLogging()));

    /// <summary>
    /// One CONNECT to an upstream that resets at once. The reset lands before, during or after the gateway's 200; in
    /// every case the client learns of it: a 502 with its reason (a 503 once the destination's circuit breaker has
    /// opened on the repeated refusals), or the 200 followed by a reset; never a bare EOF.
    /// </summary>
    private static async Task ConnectToResettingAsync(TestGateway gateway, int port, params string[] errors)
    {
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{port} HTTP/1.1\r\n\r\n");
        var head = await raw.ReadHeadAsync();
        if (head.StartsWith("HTTP/1.1 502 ", StringComparison.Ordinal) || head.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal))
        {
            var status = head.Split("\r\n").Single(l => l.StartsWith("Proxy-Status: ", StringComparison.Ordinal));
            Assert.Contains(status["Proxy-Status: yarp-egress; error=".Length..], errors);
            Assert.NotEmpty(await raw.ReadToEndAsync()); // the reason
            return;
        }

        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", head);
        var error = await Assert.ThrowsAsync<SocketException>(() => raw.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    /// <summary>Every tunnel is logged with one of <paramref name="ends"/>, and nothing at error level (Kestrel's unhandled exceptions).</summary>
    private static async Task AssertEndedAsync(TestGateway gateway, int rounds, params string[] ends)
    {
        var collector = gateway.Services.GetFakeLogCollector();
        Assert.True(await Eventually.TrueAsync(() => collector.GetSnapshot().Count(r => r.Category == "YarpEgress.AccessLog") >= rounds, TimeSpan.FromSeconds(10)));
        Assert.All(collector.GetSnapshot().Where(r => r.Category == "YarpEgress.AccessLog"), r => Assert.Contains(r.Message.Split(' ').Single(w => w.StartsWith("end=", StringComparison.Ordinal))[4..], ends));
        Assert.DoesNotContain(collector.GetSnapshot(), r => r.Level >= LogLevel.Error);
    }

    [Fact(Skip = "Known open defect (#14): about once in a few thousand tunnels to an upstream that resets at accept, the client gets its 200 and the tunnel stays up until the client gives up; reproduced with 8 clients at a time (see the s4-tunnel report)")]
    public async Task An_upstream_that_accepts_and_resets_at_once_gets_a_502_or_a_reset_and_leaks_no_socket()
    {
        await using var resetter = TcpUpstream.Start(socket =>
        {
            Reset(socket);
            return Task.CompletedTask;
        });
        await using var gateway = await GatewayAsync(resetter.Port);
        const int rounds = 200;
        await ConnectToResettingAsync(gateway, resetter.Port, "connection_refused", "destination_unavailable"); // warm: pools and caches are no leak
        var before = OpenSockets();
        for (var i = 1; i < rounds; i++)
        {
            await ConnectToResettingAsync(gateway, resetter.Port, "connection_refused", "destination_unavailable");
        }

        await AssertEndedAsync(gateway, rounds, "upstream_refused", "upstream_reset", "upstream_circuit_open");
        Assert.InRange(OpenSockets() - before, int.MinValue, 10); // a socket leaked per round would be hundreds
    }

    /// <summary>
    /// A parent proxy that answers the gateway's CONNECT and resets in the same breath: by the time the gateway has
    /// read the answer, the kernel may no longer know the connection's peer (ENOTCONN), which once escaped to Kestrel.
    /// </summary>
    [Fact]
    public async Task A_parent_that_resets_right_after_its_200_gets_a_502_or_a_reset_and_leaks_no_socket()
    {
        await using var parent = TcpUpstream.Start(async socket =>
        {
            await TcpUpstream.ReadHeadAsync(socket);
            await socket.SendAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), SocketFlags.None);
            Reset(socket);
        });
        await using var gateway = await GatewayAsync(443, [new { Host = "a.example.test", Via = $"http://127.0.0.1:{parent.Port}" }]);
        const int rounds = 100;
        await ConnectToResettingAsync(gateway, 443, "connection_refused", "proxy_next_hop_error", "destination_unavailable");
        var before = OpenSockets();
        for (var i = 1; i < rounds; i++)
        {
            await ConnectToResettingAsync(gateway, 443, "connection_refused", "proxy_next_hop_error", "destination_unavailable");
        }

        await AssertEndedAsync(gateway, rounds, "upstream_refused", "upstream_parent_proxy", "upstream_reset", "upstream_circuit_open");
        Assert.InRange(OpenSockets() - before, int.MinValue, 10);
    }

    /// <summary>Open sockets of this process (Linux: the socket links in /proc/self/fd).</summary>
    private static int OpenSockets()
    {
        var count = 0;
        foreach (var fd in new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos())
        {
            try
            {
                if (fd.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true)
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
