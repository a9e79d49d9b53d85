using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>
/// The real gateway with <c>Egress:Kubernetes</c> on, pointed at a <see cref="FakeKubernetesApi"/> by its kubeconfig,
/// with fake logging; an echo upstream behind three pinned names: <c>global.test</c> (allowed to all),
/// <c>team-a.test</c> (to clients in namespace team-a) and <c>robot.test</c> (to service account team-b/robot).
/// Clients connect from loopback addresses of the test's choosing, the addresses the fake pods hold.
/// </summary>
internal sealed class IdentityGateway : IAsyncDisposable
{
    private IdentityGateway(TestGateway gateway, TcpUpstream echo)
    {
        Gateway = gateway;
        Echo = echo;
    }

    public TestGateway Gateway { get; }

    public TcpUpstream Echo { get; }

    /// <param name="httpPort">Another upstream port the three names are allowed on (a plain-HTTP upstream's).</param>
    public static async Task<IdentityGateway> StartAsync(FakeKubernetesApi api, TimeProvider? time = null, int maxWorkloadLabels = 1000, bool enabled = true, int? httpPort = null)
    {
        var echo = TcpUpstream.Echo();
        string[] ports = httpPort is { } extra ? [$"{echo.Port}", $"{extra}"] : [$"{echo.Port}"];
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "global.test", Ports = ports }],
            hosts: new Dictionary<string, string> { ["global.test"] = "127.0.0.1", ["team-a.test"] = "127.0.0.1", ["robot.test"] = "127.0.0.1" }))!;
        var egress = config["Egress"]!;
        egress["Kubernetes"] = enabled ? JsonSerializer.SerializeToNode(new { Enabled = true, Kubeconfig = api.KubeconfigPath }) : null;
        egress["Telemetry"] = JsonSerializer.SerializeToNode(new { MaxWorkloadLabels = maxWorkloadLabels });
        egress["Clients"] = enabled
            ? JsonSerializer.SerializeToNode(new object[]
            {
                new { Name = "team-a", Namespaces = new[] { "team-a" }, Allow = new[] { new { Host = "team-a.test", Ports = ports } } },
                new { Name = "robots", ServiceAccounts = new[] { "team-b/robot" }, Allow = new[] { new { Host = "robot.test", Ports = ports } } },
            })
            : new JsonArray();
        var gateway = await TestGateway.StartAsync(config, services =>
        {
            services.AddLogging(b => b.AddFakeLogging());
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
        return new IdentityGateway(gateway, echo);
    }

    /// <summary>A CONNECT from <paramref name="from"/> to <paramref name="host"/> (the echo's port); its status line.</summary>
    public async Task<string> ConnectAsync(IPAddress from, string host)
    {
        using var raw = await RawClient.ConnectAsync(Gateway.Proxy, from);
        await raw.SendAsync($"CONNECT {host}:{Echo.Port} HTTP/1.1\r\nHost: {host}:{Echo.Port}\r\n\r\n");
        var head = await raw.ReadHeadAsync();
        return head[..head.IndexOf('\r', StringComparison.Ordinal)];
    }

    /// <summary>Opens a tunnel from <paramref name="from"/> and keeps it open (the caller disposes it).</summary>
    public async Task<RawClient> OpenTunnelAsync(IPAddress from, string host)
    {
        var raw = await RawClient.ConnectAsync(Gateway.Proxy, from);
        await raw.SendAsync($"CONNECT {host}:{Echo.Port} HTTP/1.1\r\nHost: {host}:{Echo.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        return raw;
    }

    /// <summary>
    /// Scrapes until <paramref name="condition"/> holds (failing after about 400 tries), and returns that scrape;
    /// <paramref name="meanwhile"/> runs between tries (advancing a fake clock, for one).
    /// </summary>
    public async Task<MetricsScrape> ScrapeWhenAsync(Func<MetricsScrape, bool> condition, Action? meanwhile = null)
    {
        for (var i = 0; ; i++)
        {
            var scrape = await MetricsScrape.FromAsync(Gateway.Admin);
            if (condition(scrape))
            {
                return scrape;
            }

            Assert.True(i < 400, "the gateway never reached the condition; last scrape:\n" + string.Join('\n', scrape.Names().Where(n => n.Contains("kube", StringComparison.Ordinal)).Select(n => $"{n} {scrape.Value(n)}")));
            meanwhile?.Invoke();
            await Task.Delay(25);
        }
    }

    /// <summary>The access-log events so far whose client address is <paramref name="from"/>, oldest first.</summary>
    public IReadOnlyList<FakeLogRecord> AccessLogFrom(IPAddress from) => [.. Gateway.Services.GetFakeLogCollector().GetSnapshot()
        .Where(r => r.Category == "YarpEgress.AccessLog" && r.Field("Client")!.StartsWith(from + ":", StringComparison.Ordinal))];

    /// <summary>Waits for the <paramref name="count"/>th access-log event from <paramref name="from"/> and returns it.</summary>
    public async Task<FakeLogRecord> AccessLogAsync(IPAddress from, int count)
    {
        for (var i = 0; i < 200 && AccessLogFrom(from).Count < count; i++)
        {
            await Task.Delay(20);
        }

        return AccessLogFrom(from)[count - 1];
    }

    public IEnumerable<FakeLogRecord> Logs(int eventId) => Gateway.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == eventId);

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Echo.DisposeAsync();
    }
}
