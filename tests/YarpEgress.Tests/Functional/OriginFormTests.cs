using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// Origin-form requests (<c>GET /path</c> with <c>Host</c>, what an Istio sidecar's <c>http:</c> route sends to the
/// proxy port), decided and forwarded by their Host like absolute-form ones.
/// </summary>
public sealed class OriginFormTests : IAsyncLifetime
{
    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await HttpUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private JsonNode Config(string? originForm = null, object[]? routes = null)
    {
        object listener = originForm is null
            ? new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http" }
            : new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", OriginForm = originForm };
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "*.example.test", Ports = new[] { "80", $"{_upstream.HttpPort}" } }, new { Cidr = "127.0.0.0/8", Ports = new[] { "1-65535" } }],
            deny: [new { Host = "b.example.test" }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1", ["c.example.test"] = "127.0.0.1" },
            listeners: [listener]))!;
        config["Egress"]!["Routes"] = JsonSerializer.SerializeToNode(routes ?? []);
        return config;
    }

    private static Task<(string Head, string Body)> SendAsync(TestGateway gateway, string request) => RawClient.ExchangeOnceAsync(gateway.Proxy, request);

    [Fact]
    public async Task Forwards_to_the_Host_with_the_target_byte_for_byte()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (head, body) = await SendAsync(gateway, $"GET /x/../echo?q=%41&r=a%2Fb HTTP/1.1\r\nHost: A.Example.Test:{_upstream.HttpPort}\r\nX-Kept: yes\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("target=/x/../echo?q=%41&r=a%2Fb\n", body, StringComparison.Ordinal);
        Assert.Contains($"host: A.Example.Test:{_upstream.HttpPort}\n", body, StringComparison.Ordinal); // as sent, like absolute form
        Assert.Contains("x-kept: yes\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_when_the_listener_says_Refuse()
    {
        await using var gateway = await TestGateway.StartAsync(Config(originForm: "Refuse"));
        var (head, body) = await SendAsync(gateway, $"GET /echo HTTP/1.1\r\nHost: a.example.test:{_upstream.HttpPort}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.StartsWith("this is an egress proxy: send absolute-form requests", body, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Connections);
    }

    [Theory]
    [InlineData("GET /echo HTTP/1.0\r\n\r\n", "an origin-form request (GET /path) needs a Host header naming the destination")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: 127.1\r\n\r\n", "the Host header does not name a destination: '127.1' is not a valid IPv4 address")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: a.example.test:99999\r\n\r\n", "the Host header does not name a destination")]
    public async Task Answers_400_without_a_usable_Host(string request, string reason)
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (head, body) = await SendAsync(gateway, request);
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_error", head, StringComparison.Ordinal);
        Assert.StartsWith(reason, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_400_to_HTTP_1_1_without_Host()
    {
        // Kestrel refuses this itself (RFC 9112 3.2: a server MUST answer 400), before the gateway sees the request.
        await using var gateway = await TestGateway.StartAsync(Config());
        var (head, _) = await SendAsync(gateway, "GET /echo HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Connections);
    }

    [Fact]
    public async Task Denies_by_the_allowlist_with_port_80_when_the_Host_has_none()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (head, body) = await SendAsync(gateway, $"GET /echo HTTP/1.1\r\nHost: b.example.test:{_upstream.HttpPort}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        Assert.Equal("denied by Deny rule 'b.example.test'\n", body);

        (head, body) = await SendAsync(gateway, "GET / HTTP/1.1\r\nHost: other.test\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        Assert.Equal("no Allow rule matches 'other.test:80'\n", body);
        Assert.Equal(0, _upstream.Connections);
    }

    [Fact]
    public async Task Refuses_a_Host_that_names_the_gateway_itself()
    {
        // Loopback is allowed in these tests, so only the own-endpoint rule stands between the request and a loop.
        await using var gateway = await TestGateway.StartAsync(Config());
        foreach (var self in new[] { gateway.Proxy, gateway.Admin })
        {
            var (head, body) = await SendAsync(gateway, $"GET /healthz HTTP/1.1\r\nHost: {self}\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
            Assert.Contains($"{self} is this gateway's own listener", body, StringComparison.Ordinal);
            Assert.Contains("error=destination_ip_prohibited", head, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_UpstreamTls_route_sends_a_plain_request_on_as_HTTPS()
    {
        // Pattern e: the app calls http://a.example.test, the sidecar sends it here in origin form, TLS leaves the gateway.
        var ca = TestCertificates.WriteRootPem();
        await using var gateway = await TestGateway.StartAsync(Config(routes:
            [new { Host = "a.example.test", Port = 80, UpstreamTls = true, UpstreamPort = _upstream.HttpsPort, CaPath = ca }]));
        var (head, body) = await SendAsync(gateway, "GET /echo?tls=%31 HTTP/1.1\r\nHost: a.example.test\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("scheme=https\n", body, StringComparison.Ordinal);
        Assert.Contains("target=/echo?tls=%31\n", body, StringComparison.Ordinal);
        Assert.Contains($"host: a.example.test:{_upstream.HttpsPort}\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decides_each_request_of_a_kept_alive_connection_on_its_own()
    {
        await using var gateway = await TestGateway.StartAsync(Config(), services => services.AddLogging(b => b.AddFakeLogging()));
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        foreach (var (host, status) in new[] { ("a.example.test", "200"), ("b.example.test", "403"), ("c.example.test", "200"), ("a.example.test", "200") })
        {
            await raw.SendAsync($"GET /echo?h={host} HTTP/1.1\r\nHost: {host}:{_upstream.HttpPort}\r\n\r\n");
            var (head, body) = await raw.ReadResponseAsync();
            Assert.StartsWith($"HTTP/1.1 {status}", head, StringComparison.Ordinal);
            if (status == "200")
            {
                Assert.Contains($"host: {host}:{_upstream.HttpPort}\n", body, StringComparison.Ordinal);
            }
        }

        // Each request has its own decision and access-log record, with the Host's destination.
        var records = await AccessLogRecords.WaitAsync(gateway, 4);
        Assert.Equal(
            ["a.example.test allowed 200", "a.example.test allowed 200", "b.example.test denied 403", "c.example.test allowed 200"],
            records.Select(r => $"{r.Field("Host")} {r.Field("Decision")} {r.Field("Status")}").Order());
        Assert.All(records, r => Assert.Equal("http", r.Field("Protocol")));
    }

    [Fact]
    public async Task Curl_without_a_proxy_option_is_served_like_curl_x()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var url = $"http://{gateway.Proxy}/echo?via=curl";
        var direct = await ExternalTool.RunAsync("curl", "-sS", url, "-H", $"Host: a.example.test:{_upstream.HttpPort}");
        var proxied = await ExternalTool.RunAsync("curl", "-sS", "-x", gateway.ProxyUri.ToString(), $"http://a.example.test:{_upstream.HttpPort}/echo?via=curl");
        Assert.True(direct.ExitCode == 0, direct.Stderr);
        Assert.True(proxied.ExitCode == 0, proxied.Stderr);
        Assert.Equal(Lines(proxied.Stdout), Lines(direct.Stdout));
        Assert.Contains("target=/echo?via=curl", direct.Stdout, StringComparison.Ordinal);

        var denied = await ExternalTool.RunAsync("curl", "-sS", $"http://{gateway.Proxy}/", "-H", "Host: denied.test");
        Assert.Equal("no Allow rule matches 'denied.test:80'\n", denied.Stdout);

        // curl -x adds Proxy-Connection, which the gateway drops; the rest of what the upstream sees is the same.
        static string[] Lines(string body) => [.. body.Split('\n').Where(l => !l.StartsWith("proxy-connection", StringComparison.Ordinal))];
    }
}
