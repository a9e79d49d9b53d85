using System.Text.Json;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary><c>Egress:Http:StripRequestHeaders</c>: what an Istio sidecar adds about the pod never reaches the internet.</summary>
public sealed class HeaderStripTests : IAsyncLifetime
{
    private const string SidecarHeaders =
        "x-envoy-peer-metadata: ChoKDkFQUF9DT05UQUlORVJT\r\nX-Envoy-Attempt-Count: 1\r\nx-forwarded-client-cert: By=spiffe://cluster.local/ns/a/sa/b\r\n" +
        "x-envoyish: kept\r\nx-request-id: 42\r\nx-internal-trace: t\r\nx-secret: s\r\n";

    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await HttpUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private Task<TestGateway> StartAsync(string[]? strip)
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_upstream.HttpPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" }))!;
        if (strip is not null)
        {
            config["Egress"]!["Http"] = JsonSerializer.SerializeToNode(new { StripRequestHeaders = strip });
        }

        return TestGateway.StartAsync(config);
    }

    /// <summary>The header names the upstream received, for the same headers sent in absolute form and in origin form.</summary>
    private async Task<(string Absolute, string Origin)> ReceivedAsync(TestGateway gateway)
    {
        var authority = $"a.example.test:{_upstream.HttpPort}";
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"GET http://{authority}/echo HTTP/1.1\r\nHost: {authority}\r\n{SidecarHeaders}\r\n");
        var (_, absolute) = await raw.ReadResponseAsync();
        await raw.SendAsync($"GET /echo HTTP/1.1\r\nHost: {authority}\r\n{SidecarHeaders}\r\n");
        var (_, origin) = await raw.ReadResponseAsync();
        return (absolute, origin);
    }

    [Fact]
    public async Task Strips_the_sidecar_headers_by_default_in_both_request_forms()
    {
        await using var gateway = await StartAsync(strip: null);
        var (absolute, origin) = await ReceivedAsync(gateway);
        foreach (var body in new[] { absolute, origin })
        {
            Assert.Contains("method=GET\n", body, StringComparison.Ordinal);
            Assert.DoesNotContain("x-envoy-peer-metadata", body, StringComparison.Ordinal);
            Assert.DoesNotContain("x-envoy-attempt-count", body, StringComparison.Ordinal);
            Assert.DoesNotContain("x-forwarded-client-cert", body, StringComparison.Ordinal);
            Assert.Contains("x-envoyish: kept\n", body, StringComparison.Ordinal);
            Assert.Contains("x-request-id: 42\n", body, StringComparison.Ordinal);
            Assert.Contains("x-secret: s\n", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_empty_list_keeps_every_header()
    {
        await using var gateway = await StartAsync(strip: []);
        var (absolute, origin) = await ReceivedAsync(gateway);
        foreach (var body in new[] { absolute, origin })
        {
            Assert.Contains("x-envoy-peer-metadata: ChoKDkFQUF9DT05UQUlORVJT\n", body, StringComparison.Ordinal);
            Assert.Contains("x-envoy-attempt-count: 1\n", body, StringComparison.Ordinal);
            Assert.Contains("x-forwarded-client-cert: By=spiffe://cluster.local/ns/a/sa/b\n", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_custom_list_replaces_the_default()
    {
        await using var gateway = await StartAsync(strip: ["X-Secret", "x-internal-*"]);
        var (absolute, origin) = await ReceivedAsync(gateway);
        foreach (var body in new[] { absolute, origin })
        {
            Assert.DoesNotContain("x-secret", body, StringComparison.Ordinal);
            Assert.DoesNotContain("x-internal-trace", body, StringComparison.Ordinal);
            Assert.Contains("x-envoy-peer-metadata: ChoKDkFQUF9DT05UQUlORVJT\n", body, StringComparison.Ordinal);
            Assert.Contains("x-request-id: 42\n", body, StringComparison.Ordinal);
        }
    }
}
