using System.Net;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>The <c>client_namespace</c> and <c>client_workload</c> labels: capped like destinations, absent when Kubernetes is off.</summary>
[Collection(MetricsCollection.Name)]
public sealed class WorkloadLabelTests
{
    [Fact]
    public async Task Past_the_cap_a_new_namespace_and_workload_pair_is_labelled_other()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Seed(FakeKubernetesApi.Pod("team-a", "web-1", "127.0.0.2", app: "web"));
        api.Seed(FakeKubernetesApi.Pod("team-a", "web-2", "127.0.0.3", app: "web"));
        api.Seed(FakeKubernetesApi.Pod("team-b", "batch-1", "127.0.0.4", app: "batch"));
        await using var identity = await IdentityGateway.StartAsync(api, maxWorkloadLabels: 1);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_pods") == 3);
        foreach (var from in new[] { "127.0.0.2", "127.0.0.3", "127.0.0.4" })
        {
            Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(IPAddress.Parse(from), "global.test"));
        }

        var scrape = await identity.ScrapeWhenAsync(s => s.Value("egress_connections_closed_total", ("destination_host", "global.test")) == 3);
        Assert.Equal(2, scrape.Value("egress_connections_opened_total", ("client_namespace", "team-a"), ("client_workload", "web"), ("destination_host", "global.test")));
        Assert.Equal(1, scrape.Value("egress_connections_opened_total", ("client_namespace", "other"), ("client_workload", "other"), ("destination_host", "global.test")));
        Assert.Equal("team-b", (await identity.AccessLogAsync(IPAddress.Parse("127.0.0.4"), 1)).Field("ClientNamespace")); // the log is not capped
    }

    [Fact]
    public async Task With_Kubernetes_off_metrics_carry_no_workload_labels_and_no_watch_series()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var identity = await IdentityGateway.StartAsync(api, enabled: false);
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(IPAddress.Parse("127.0.0.2"), "global.test"));
        var scrape = await identity.ScrapeWhenAsync(s => s.Value("egress_connections_closed_total", ("destination_host", "global.test")) == 1);
        Assert.All(scrape.Series("egress_connections_opened_total"), labels => Assert.False(labels.ContainsKey("client_namespace") || labels.ContainsKey("client_workload")));
        Assert.DoesNotContain(scrape.Names(), n => n.StartsWith("egress_kubernetes", StringComparison.Ordinal));
        Assert.Equal(0, api.Lists + api.WatchVersions.Count);
        Assert.Equal("-", (await identity.AccessLogAsync(IPAddress.Parse("127.0.0.2"), 1)).Field("ClientNamespace"));
    }
}
