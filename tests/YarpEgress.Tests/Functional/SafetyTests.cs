using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Functional;

/// <summary>The SSRF guard, DNS rebinding, the circuit breaker, connection limits, report mode and drain (timeouts: TimeoutTests).</summary>
public sealed class SafetyTests
{
    private static Task<(string Head, string Body)> ConnectAsync(TestGateway gateway, string authority) =>
        RawClient.ConnectOnceAsync(gateway.Proxy, authority);

    [Fact]
    public async Task Private_addresses_are_unreachable_through_every_path_unless_allowed()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "**", Ports = new[] { "1-65535" } }, new { Cidr = "0.0.0.0/0", Ports = new[] { "1-65535" } }, new { Cidr = "::/0", Ports = new[] { "1-65535" } }],
            hosts: new Dictionary<string, string> { ["metadata.example.test"] = "169.254.169.254", ["inside.example.test"] = "10.0.0.5", ["local.example.test"] = "127.0.0.1" },
            privateAllow: [],
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)echo.Port },
            ]));

        // CONNECT: an IP literal, names pinned to private addresses, and an IPv4-mapped IPv6 literal.
        var (head, body) = await ConnectAsync(gateway, $"127.0.0.1:{echo.Port}");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=destination_ip_prohibited", head, StringComparison.Ordinal);
        Assert.Equal($"127.0.0.1:{echo.Port} is not allowed: 127.0.0.1 is loopback\n", body);
        (_, body) = await ConnectAsync(gateway, "metadata.example.test:80");
        Assert.Equal("metadata.example.test:80 resolves only to addresses that are not allowed: 169.254.169.254 is link-local (cloud metadata)\n", body);
        (_, body) = await ConnectAsync(gateway, "inside.example.test:443");
        Assert.Contains("10.0.0.5 is private (RFC 1918)", body, StringComparison.Ordinal);
        (_, body) = await ConnectAsync(gateway, $"[::ffff:127.0.0.1]:{echo.Port}");
        Assert.Contains("127.0.0.1 is loopback", body, StringComparison.Ordinal);

        // Plain HTTP.
        using var client = gateway.CreateClient();
        var response = await client.GetAsync($"http://local.example.test:{echo.Port}/");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("127.0.0.1 is loopback", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // SNI: an access_denied alert.
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.EndPoint("tls"));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => tls.AuthenticateAsClientAsync("local.example.test"));
        Assert.Contains("access denied", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, echo.Accepted);
    }

    [Fact]
    public async Task The_gateway_never_dials_its_own_listeners()
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: [new { Cidr = "127.0.0.0/8", Ports = new[] { "1-65535" } }]));
        var (head, body) = await ConnectAsync(gateway, $"127.0.0.1:{gateway.Proxy.Port}");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        Assert.Contains("is this gateway's own listener", body, StringComparison.Ordinal);
        (_, body) = await ConnectAsync(gateway, $"127.0.0.1:{gateway.Admin.Port}");
        Assert.Contains("is this gateway's own listener", body, StringComparison.Ordinal);
    }

    /// <summary>Answers from a script: the first lookup gets the first answer, later ones the second.</summary>
    private sealed class ScriptedResolver(params IPAddress[][] answers) : IHostResolver
    {
        public int Calls;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            Task.FromResult(answers[Math.Min(Interlocked.Increment(ref Calls) - 1, answers.Length - 1)]);
    }

    [Fact]
    public async Task Rebinding_cannot_swap_the_checked_address_for_another()
    {
        await using var allowed = TcpUpstream.EchoOn(IPAddress.Parse("127.0.0.2"));
        await using var forbidden = TcpUpstream.EchoOn(IPAddress.Parse("127.0.0.3"), allowed.Port);
        var resolver = new ScriptedResolver([IPAddress.Parse("127.0.0.2")], [IPAddress.Parse("127.0.0.3")]);
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(allow: [new { Host = "rebind.example.test", Ports = new[] { $"{allowed.Port}" } }], privateAllow: ["127.0.0.2/32"]),
            services => services.AddSingleton<IHostResolver>(resolver));
        for (var i = 0; i < 3; i++)
        {
            var (head, _) = await ConnectAsync(gateway, $"rebind.example.test:{allowed.Port}");
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        }

        Assert.Equal(1, resolver.Calls); // resolved once (and cached): the checked answer is the dialed one
        Assert.Equal(3, allowed.Accepted);
        Assert.Equal(0, forbidden.Accepted);
    }

    [Fact]
    public async Task Of_a_name_resolving_to_a_denied_and_an_allowed_address_only_the_allowed_is_dialed()
    {
        await using var allowed = TcpUpstream.EchoOn(IPAddress.Parse("127.0.0.2"));
        await using var forbidden = TcpUpstream.EchoOn(IPAddress.Parse("127.0.0.3"), allowed.Port);
        var resolver = new ScriptedResolver([IPAddress.Parse("127.0.0.3"), IPAddress.Parse("127.0.0.2")]);
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(allow: [new { Host = "both.example.test", Ports = new[] { $"{allowed.Port}" } }], privateAllow: ["127.0.0.2/32"]),
            services => services.AddSingleton<IHostResolver>(resolver));
        var (head, _) = await ConnectAsync(gateway, $"both.example.test:{allowed.Port}");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal(1, allowed.Accepted);
        Assert.Equal(0, forbidden.Accepted);
    }

    [Fact]
    public async Task A_dead_upstream_opens_its_circuit_and_then_fails_fast_with_503()
    {
        using var closed = new ClosedPort();
        var port = closed.Port;
        var config = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{port}" } }]))!;
        config["Egress"]!["CircuitBreaker"] = System.Text.Json.JsonSerializer.SerializeToNode(new { FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = "00:00:30", BreakDuration = "00:01:00" });
        await using var gateway = await TestGateway.StartAsync(config);
        Assert.StartsWith("HTTP/1.1 502", (await ConnectAsync(gateway, $"127.0.0.1:{port}")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 502", (await ConnectAsync(gateway, $"127.0.0.1:{port}")).Head, StringComparison.Ordinal);

        // The upstream comes back, but the breaker is open: refused fast, without a dial.
        await using var revived = closed.OpenEcho();
        var (head, body) = await ConnectAsync(gateway, $"127.0.0.1:{port}");
        Assert.StartsWith("HTTP/1.1 503", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=destination_unavailable", head, StringComparison.Ordinal);
        Assert.Contains("circuit breaker is open", body, StringComparison.Ordinal);
        Assert.Equal(0, revived.Accepted);
    }

    [Fact]
    public async Task The_per_client_limit_refuses_with_503_and_recovers_when_a_slot_frees()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{echo.Port}" } }],
            limits: new { MaxConnectionsPerClient = 2 }));
        var first = await RawClient.ConnectAsync(gateway.Proxy);
        await first.SendAsync($"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await first.ReadHeadAsync(), StringComparison.Ordinal);
        using var second = await RawClient.ConnectAsync(gateway.Proxy);
        await second.SendAsync($"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await second.ReadHeadAsync(), StringComparison.Ordinal);

        using (var third = await RawClient.ConnectAsync(gateway.Proxy))
        {
            var (head, body) = await third.RequestAsync($"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 503", head, StringComparison.Ordinal);
            Assert.Equal("too many connections: the limit is 2 from 127.0.0.1\n", body);
        }

        first.Socket.Shutdown(SocketShutdown.Send);
        await first.ReadToEndAsync();
        first.Dispose();
        for (var attempt = 0; ; attempt++)
        {
            var (head, _) = await ConnectAsync(gateway, $"127.0.0.1:{echo.Port}");
            if (head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(attempt < 20, head);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Report_mode_lets_denied_traffic_through_and_reports_the_rule_but_keeps_the_address_policy()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(
                allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}" } }],
                deny: [new { Host = "a.example.test", Mode = "Report" }],
                hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1", ["c.example.test"] = "10.0.0.9" },
                privateAllow: ["127.0.0.1/32"],
                mode: "Report"),
            services => services.AddLogging(b => b.AddFakeLogging()));

        Assert.StartsWith("HTTP/1.1 200", (await ConnectAsync(gateway, $"a.example.test:{echo.Port}")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", (await ConnectAsync(gateway, $"b.example.test:{echo.Port}")).Head, StringComparison.Ordinal);
        var (head, body) = await ConnectAsync(gateway, "c.example.test:443");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        Assert.Contains("10.0.0.9 is private", body, StringComparison.Ordinal);

        var collector = gateway.Services.GetFakeLogCollector();
        IReadOnlyList<FakeLogRecord> records = [];
        for (var i = 0; i < 100 && records.Count < 3; i++)
        {
            await Task.Delay(20);
            records = [.. collector.GetSnapshot().Where(r => r.Category == "YarpEgress.AccessLog")];
        }

        string? Field(FakeLogRecord r, string name) => r.StructuredState!.Single(kv => kv.Key == name).Value;
        var a = records.Single(r => Field(r, "Host") == "a.example.test");
        Assert.Equal("reported", Field(a, "Decision"));
        Assert.Equal("a.example.test", Field(a, "Rule")); // the Deny rule that would have stopped it
        var b = records.Single(r => Field(r, "Host") == "b.example.test");
        Assert.Equal("reported", Field(b, "Decision"));
        Assert.Null(Field(b, "Rule")); // no Allow rule matched
        Assert.Equal("upstream_address_denied", Field(records.Single(r => Field(r, "Host") == "c.example.test"), "End"));
    }

    [Fact]
    public async Task On_shutdown_readyz_turns_false_and_live_tunnels_get_the_drain_period()
    {
        await using var echo = TcpUpstream.Echo();
        var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{echo.Port}" } }],
            timeouts: new { DrainDelay = "00:00:01", Drain = "00:00:01" }));
        await using var _ = gateway;
        using var tunnel = await RawClient.ConnectAsync(gateway.Proxy);
        await tunnel.SendAsync($"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\n\r\n");
        await tunnel.ReadHeadAsync();

        var stopping = gateway.StopAsync();
        using var http = DirectHttp.Create();
        var readyz = await http.GetAsync($"http://{gateway.Admin}/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
        Assert.Equal("draining\n", await readyz.Content.ReadAsStringAsync());

        await tunnel.SendAsync("during drain");
        Assert.Equal("during drain", Encoding.ASCII.GetString(await tunnel.ReadExactlyAsync(12)));
        Assert.Empty(await tunnel.ReadToEndAsync()); // closed by the gateway when the drain period ends
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
    }
}
