using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary><c>Egress:Routes</c> with a fixed <c>Upstream</c>: the allowlist sees the requested host, the dial goes elsewhere.</summary>
public sealed class RouteTests
{
    private static object ConfigWithRoutes(object[] allow, object[] routes, object[]? listeners = null)
    {
        var config = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(allow: allow, listeners: listeners))!;
        config["Egress"]!["Routes"] = System.Text.Json.JsonSerializer.SerializeToNode(routes);
        return config;
    }

    [Fact]
    public async Task CONNECT_and_plain_HTTP_to_a_routed_host_reach_the_fixed_upstream_with_the_requested_Host()
    {
        await using var echo = TcpUpstream.Echo();
        await using var http = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(ConfigWithRoutes(
            allow: [new { Host = "fixed.example.test", Ports = new[] { "80", "443" } }],
            routes:
            [
                new { Host = "fixed.example.test", Port = (int?)443, Upstream = $"127.0.0.1:{echo.Port}" },
                new { Host = "fixed.example.test", Port = (int?)null, Upstream = $"localhost:{http.HttpPort}" },
            ]));

        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.SendAsync("CONNECT fixed.example.test:443 HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
            await raw.SendAsync("routed");
            Assert.Equal("routed", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(6)));
        }

        Assert.Equal(1, echo.Accepted);

        // Port 80 falls through to the second route (no port), whose upstream is a name: resolved, then checked.
        using var client = gateway.CreateClient();
        var response = await client.GetAsync("http://fixed.example.test/echo");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("host: fixed.example.test\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_SNI_listener_routes_a_name_to_a_fixed_upstream_and_TLS_stays_end_to_end()
    {
        await using var https = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(ConfigWithRoutes(
            allow: [new { Host = "*.example.test", Ports = new[] { "443" } }],
            routes: [new { Host = "a.example.test", Port = (int?)null, Upstream = $"127.0.0.1:{https.HttpsPort}" }],
            listeners: [new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = 443 }]));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.EndPoint("tls"));
        await using var tls = new SslStream(new NetworkStream(socket), false, TestCertificates.ValidateAgainstTestRoot);
        await tls.AuthenticateAsClientAsync("a.example.test");
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: a.example.test\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls);
        Assert.StartsWith("HTTP/1.1 200", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_HTTP_leaves_as_HTTPS_validated_for_the_requested_host_with_per_request_metrics()
    {
        await using var https = await HttpUpstream.StartAsync();
        var ca = TestCertificates.WriteRootPem();
        await using var gateway = await TestGateway.StartAsync(ConfigWithRoutes(
            allow: [new { Host = "*.example.test", Ports = new[] { "80" } }],
            routes:
            [
                new { Host = "a.example.test", Port = (int?)80, UpstreamTls = true, UpstreamPort = (int?)https.HttpsPort, Sni = (string?)null, CaPath = ca },
                new { Host = "b.example.test", Port = (int?)80, UpstreamTls = true, UpstreamPort = (int?)https.HttpsPort, Sni = (string?)"a.example.test", CaPath = ca },
                new { Host = "c.example.test", Port = (int?)80, UpstreamTls = true, UpstreamPort = (int?)https.HttpsPort, Sni = (string?)"wrong.test", CaPath = ca },
                new { Host = "d.example.test", Port = (int?)80, UpstreamTls = true, UpstreamPort = (int?)https.HttpsPort, Sni = (string?)null, CaPath = (string?)null },
            ]) is var config ? AddPins(config) : null!);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync("http://a.example.test/echo?tls=1");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("scheme=https\n", body, StringComparison.Ordinal);
        Assert.Contains("target=/echo?tls=1\n", body, StringComparison.Ordinal);
        Assert.Contains($"host: a.example.test:{https.HttpsPort}\n", body, StringComparison.Ordinal);

        // An Sni override the certificate covers; one it does not; and the system trust store, which lacks the test CA.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://b.example.test/echo")).StatusCode);
        var wrongName = await client.GetAsync("http://c.example.test/echo");
        Assert.Equal(HttpStatusCode.BadGateway, wrongName.StatusCode);
        Assert.Contains("as 'wrong.test' failed", await wrongName.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("yarp-egress; error=tls_certificate_error", wrongName.Headers.GetValues("Proxy-Status").Single());
        Assert.Equal(HttpStatusCode.BadGateway, (await client.GetAsync("http://d.example.test/echo")).StatusCode);
    }

    [Fact]
    public async Task A_TLS_origination_route_does_not_redirect_tunnels()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(ConfigWithRoutes(
            allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{echo.Port}" } }, new { Host = "a.example.test", Ports = new[] { $"{echo.Port}" } }],
            routes: [new { Host = "a.example.test", Port = (int?)echo.Port, UpstreamTls = true, UpstreamPort = (int?)1 }]) is var config ? AddPins(config) : null!);

        // The route would send plain HTTP to port 1 over TLS; a CONNECT to the same host and port is not plain HTTP.
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        await raw.SendAsync("direct");
        Assert.Equal("direct", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(6)));
    }

    private static object AddPins(object config)
    {
        var node = (System.Text.Json.Nodes.JsonNode)config;
        node["Egress"]!["Hosts"] = System.Text.Json.JsonSerializer.SerializeToNode(
            new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1", ["c.example.test"] = "127.0.0.1", ["d.example.test"] = "127.0.0.1" });
        return node;
    }

    [Fact]
    public async Task A_Via_route_goes_through_a_parent_proxy_for_CONNECT_and_plain_HTTP_and_passes_its_refusals_on()
    {
        await using var echo = TcpUpstream.Echo();
        await using var http = await HttpUpstream.StartAsync();
        var pins = new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1" };

        // The parent: a second YarpEgress that allows a.example.test only and requires nothing of the child.
        await using var parent = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}", $"{http.HttpPort}" } }], hosts: pins));

        // The child allows both names and sends everything through the parent, with a Proxy-Authorization of its own.
        var child = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "*.example.test", Ports = new[] { $"{echo.Port}", $"{http.HttpPort}" } }]))!;
        child["Egress"]!["Routes"] = System.Text.Json.JsonSerializer.SerializeToNode(new[]
        {
            new { Host = "**", Via = $"http://127.0.0.1:{parent.Proxy.Port}", ViaAuthorization = "Basic Y2hpbGQ6c2VjcmV0" },
        });
        await using var gateway = await TestGateway.StartAsync(child);

        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
            await raw.SendAsync("two hops");
            Assert.Equal("two hops", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(8)));
        }

        using var client = gateway.CreateClient();
        var response = await client.GetAsync($"http://a.example.test:{http.HttpPort}/echo");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"host: a.example.test:{http.HttpPort}\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("proxy-authorization", body, StringComparison.Ordinal); // consumed by the parent

        // The parent refuses b.example.test: the child says so, naming the parent.
        var (head, refusal) = await RawClient.ConnectOnceAsync(gateway.Proxy, $"b.example.test:{echo.Port}");
        Assert.StartsWith("HTTP/1.1 502", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=proxy_next_hop_error", head, StringComparison.Ordinal);
        Assert.Equal($"parent proxy 127.0.0.1:{parent.Proxy.Port} refused CONNECT b.example.test:{echo.Port}: HTTP/1.1 403 Forbidden\n", refusal);
        var plainRefusal = await client.GetAsync($"http://b.example.test:{http.HttpPort}/echo");
        Assert.Equal(HttpStatusCode.Forbidden, plainRefusal.StatusCode); // the parent's own 403, passed back as it is
        Assert.Contains("no Allow rule matches", await plainRefusal.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_parent_proxy_is_cut_off_at_the_connect_deadline()
    {
        // A "parent" that accepts and never answers.
        await using var silent = TcpUpstream.Start(async socket =>
        {
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        });
        var config = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { "443" } }], timeouts: new { Connect = "00:00:00.500" }))!;
        config["Egress"]!["Routes"] = System.Text.Json.JsonSerializer.SerializeToNode(new[] { new { Host = "**", Via = $"http://127.0.0.1:{silent.Port}" } });
        await using var gateway = await TestGateway.StartAsync(config);
        var (head, body) = await RawClient.ConnectOnceAsync(gateway.Proxy, "a.example.test:443");
        Assert.StartsWith("HTTP/1.1 502", head, StringComparison.Ordinal);
        Assert.Equal($"parent proxy 127.0.0.1:{silent.Port} did not answer within 0.5 s (CONNECT a.example.test:443)\n", body);
    }

    [Fact]
    public async Task A_fixed_upstream_is_still_under_the_address_policy()
    {
        await using var gateway = await TestGateway.StartAsync(ConfigWithRoutes(
            allow: [new { Host = "inside.example.test", Ports = new[] { "443" } }],
            routes: [new { Host = "inside.example.test", Port = (int?)null, Upstream = "10.0.0.9:443" }]));
        var (head, body) = await RawClient.ConnectOnceAsync(gateway.Proxy, "inside.example.test:443");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        Assert.Equal("10.0.0.9:443 is not allowed: 10.0.0.9 is private (RFC 1918)\n", body);
    }
}
