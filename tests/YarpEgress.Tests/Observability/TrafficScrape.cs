using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// A real gateway that carried traffic on every path (plain HTTP, CONNECT, SNI passthrough, SNI terminate), a denial
/// by a Deny rule and by no match, a refused connect, an open circuit breaker, Report mode, a connection limit, a good
/// and a rejected reload; then one scrape of its /metrics once every session has ended. Kubernetes identity is on, with
/// the test's own address (127.0.0.1) a pod of a fake API server, so the identity labels are in the scrape too.
/// </summary>
public sealed class TrafficScrape : IAsyncLifetime
{
    private static readonly IPAddress LimitedClient = IPAddress.Parse("127.0.0.7");
    private static readonly IPAddress ReportedClient = IPAddress.Parse("127.0.0.8");

    internal MetricsScrape Scrape { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var echo = TcpUpstream.Echo();
        using var closed = new ClosedPort();
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Seed(FakeKubernetesApi.Pod("shop", "web-1", "127.0.0.1", app: "web"));
        var (certificate, key) = TestCertificates.WriteServerPem();
        JsonNode Config(string mode, int perClient, string allowed) => Build(mode, perClient, allowed, upstream, echo.Port, closed.Port, certificate, key, api.KubeconfigPath);
        await using var gateway = await TestGateway.StartAsync(Config("Enforce", 0, "*.example.test"));
        for (var i = 0; i < 200 && (await MetricsScrape.FromAsync(gateway.Admin)).Value("egress_kubernetes_pods") != 1; i++)
        {
            await Task.Delay(25);
        }

        using (var client = gateway.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://a.example.test:{upstream.HttpPort}/bytes?n=1000")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://blocked.example.test:{upstream.HttpPort}/")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://r.other.test:{upstream.HttpPort}/")).StatusCode);
        }

        using (var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, $"a.example.test:{echo.Port}"))
        {
            await tunnel.SendAsync("ping"u8.ToArray());
            Assert.Equal("ping"u8.ToArray(), await tunnel.ReadExactlyAsync(4));
        }

        using (var sni = new HttpClient(Through(gateway.EndPoint("tls"))))
        {
            Assert.Equal(HttpStatusCode.OK, (await sni.GetAsync($"https://a.example.test:{upstream.HttpsPort}/echo")).StatusCode);
        }

        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(gateway.EndPoint("term"));
            await using var tls = new SslStream(new NetworkStream(socket));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "a.example.test", RemoteCertificateValidationCallback = TestCertificates.ValidateAgainstTestRoot,
            });
            await tls.WriteAsync("terminated"u8.ToArray());
            var echoed = new byte[10];
            await tls.ReadExactlyAsync(echoed);
            Assert.Equal("terminated"u8.ToArray(), echoed);
        }

        // Two refused connects open the destination's breaker (MinimumThroughput 2); the third is refused without a dial.
        Assert.StartsWith("HTTP/1.1 502", (await RawClient.ConnectOnceAsync(gateway.Proxy, $"b.example.test:{closed.Port}")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 502", (await RawClient.ConnectOnceAsync(gateway.Proxy, $"b.example.test:{closed.Port}")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 503", (await RawClient.ConnectOnceAsync(gateway.Proxy, $"b.example.test:{closed.Port}")).Head, StringComparison.Ordinal);

        // A good reload: Report mode and one connection per client address; then a rejected one.
        Assert.True(await gateway.ReloadAsync(Config("Report", 1, "*.example.test")));
        using (var reported = await RawClient.ConnectAsync(gateway.Proxy, ReportedClient))
        {
            var (head, _) = await reported.RequestAsync($"GET http://r.other.test:{upstream.HttpPort}/echo HTTP/1.1\r\nHost: r.other.test:{upstream.HttpPort}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        }

        using (var held = await RawClient.ConnectAsync(gateway.Proxy, LimitedClient))
        {
            await held.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await held.ReadHeadAsync(), StringComparison.Ordinal);
            using var refused = await RawClient.ConnectAsync(gateway.Proxy, LimitedClient);
            var (head, _) = await refused.RequestAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 503", head, StringComparison.Ordinal);
        }

        Assert.False(await gateway.ReloadAsync(Config("Report", 1, "b..example.test")));

        // Sessions record their end just after their client has the answer: wait until none is live.
        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        for (var i = 0; i < 200 && !Settled(scrape); i++)
        {
            await Task.Delay(50);
            scrape = await MetricsScrape.FromAsync(gateway.Admin);
        }

        Scrape = scrape;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static bool Settled(MetricsScrape scrape) =>
        scrape.Value("egress_connections_active") == 0
        && scrape.Value("egress_connections_closed_total") == scrape.Value("egress_connection_duration_seconds_count")
        && new[] { "http", "connect", "sni", "sni-terminate" }.All(p => scrape.Value("egress_connections_closed_total", ("protocol", p)) > 0);

    private static JsonNode Build(string mode, int perClient, string allowed, HttpUpstream upstream, int echo, int closed, string certificate, string key, string kubeconfig)
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = allowed, Ports = new[] { $"{upstream.HttpPort}", $"{upstream.HttpsPort}", $"{echo}", $"{closed}" } }],
            deny: [new { Host = "blocked.example.test" }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1", ["r.other.test"] = "127.0.0.1" },
            limits: new { MaxConnectionsPerClient = perClient },
            mode: mode))!;
        config["Egress"]!["Listeners"] = new JsonArray(
            JsonSerializer.SerializeToNode(new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http" }),
            JsonSerializer.SerializeToNode(new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = upstream.HttpsPort }),
            JsonSerializer.SerializeToNode(new
            {
                Name = "term", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = echo,
                Tls = new { Mode = "Terminate", CertificatePath = certificate, KeyPath = key },
            }));
        config["Egress"]!["CircuitBreaker"] = JsonSerializer.SerializeToNode(new { FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = "00:00:30", BreakDuration = "00:01:00" });
        config["Egress"]!["Kubernetes"] = JsonSerializer.SerializeToNode(new { Enabled = true, Kubeconfig = kubeconfig });
        return config;
    }

    private static SocketsHttpHandler Through(IPEndPoint listener) => new()
    {
        UseProxy = false,
        SslOptions = { RemoteCertificateValidationCallback = TestCertificates.ValidateAgainstTestRoot },
        ConnectCallback = async (_, token) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(listener, token);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
