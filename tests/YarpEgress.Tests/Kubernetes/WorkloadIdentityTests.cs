using System.Net;
using System.Text.Json;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>
/// Pods seen through a fake API server name the gateway's clients: in metrics (<c>client_namespace</c>,
/// <c>client_workload</c>), the access log, <c>/connections</c> and <c>Egress:Clients</c> matched by namespace or
/// service account, all through real CONNECTs from the pods' (loopback) addresses.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class WorkloadIdentityTests
{
    private static readonly IPAddress Web = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Robot = IPAddress.Parse("127.0.0.3");

    private static (string, string)[] Labels(string ns, string workload) => [("client_namespace", ns), ("client_workload", workload)];

    [Fact]
    public async Task A_pod_appearing_changing_labels_and_deleted_names_its_connections_and_picks_their_client()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var identity = await IdentityGateway.StartAsync(api);

        // Not yet seen: served on the address alone, so the namespace-only client does not match: the global rules.
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_lists_total") == 1);
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "team-a.test"));
        var unknown = await identity.AccessLogAsync(Web, 1);
        Assert.Equal(("-", "-", "-", "-", "-"), (unknown.Field("ClientName"), unknown.Field("ClientNamespace"), unknown.Field("ClientPod"), unknown.Field("ClientWorkload"), unknown.Field("ClientServiceAccount")));

        var pod = FakeKubernetesApi.Pod("team-a", "web-7d4b9c-x2x", Web.ToString(), app: "web", serviceAccount: "web-sa");
        api.Added(pod);
        var robot = FakeKubernetesApi.Pod("team-b", "robot-0", Robot.ToString(), app: "robot", serviceAccount: "robot");
        api.Added(robot);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "added")) == 2);

        // Known: team-a's client by namespace, with the pod in /connections while the tunnel is open.
        using (var tunnel = await identity.OpenTunnelAsync(Web, "team-a.test"))
        {
            using var http = DirectHttp.Create();
            var live = Assert.Single(JsonDocument.Parse(await http.GetStringAsync($"http://{identity.Gateway.Admin}/connections")).RootElement.EnumerateArray());
            Assert.Equal(("team-a", "web-7d4b9c-x2x", "web", "web-sa"), (live.GetProperty("namespace").GetString(), live.GetProperty("pod").GetString(),
                live.GetProperty("workload").GetString(), live.GetProperty("serviceAccount").GetString()));
        }

        var known = await identity.AccessLogAsync(Web, 2);
        Assert.Equal(("team-a", "allowed", "team-a", "web-7d4b9c-x2x", "web", "web-sa"), (known.Field("ClientName"), known.Field("Decision"),
            known.Field("ClientNamespace"), known.Field("ClientPod"), known.Field("ClientWorkload"), known.Field("ClientServiceAccount")));
        var scrape = await identity.ScrapeWhenAsync(s => s.Value("egress_connections_closed_total", Labels("team-a", "web")) == 1);
        Assert.Equal(1, scrape.Value("egress_connections_opened_total", [.. Labels("team-a", "web"), ("client", "team-a"), ("destination_host", "team-a.test")]));

        // By service account: team-b/robot gets robot.test; team-a's pod does not, nor robot team-a's host.
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Robot, "robot.test"));
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "robot.test"));
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Robot, "team-a.test"));
        Assert.Equal("robots", (await identity.AccessLogAsync(Robot, 1)).Field("ClientName"));

        // New labels: the next connection carries the new workload.
        pod.Metadata.Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "storefront", ["app"] = "web" };
        api.Modified(pod);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "modified")) == 1);
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "global.test"));
        Assert.Equal("storefront", (await identity.AccessLogAsync(Web, 4)).Field("ClientWorkload"));
        await identity.ScrapeWhenAsync(s => s.Value("egress_connections_closed_total", Labels("team-a", "storefront")) == 1);

        // Deleted: back to the address alone, and to the global rules.
        api.Deleted(pod);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "deleted")) == 1);
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "team-a.test"));
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "global.test"));
        var gone = await identity.AccessLogAsync(Web, 6);
        Assert.Equal(("-", "-", "-"), (gone.Field("ClientName"), gone.Field("ClientNamespace"), gone.Field("ClientWorkload")));
        var after = await identity.ScrapeWhenAsync(s => s.Value("egress_connections_closed_total", [.. Labels("-", "-"), ("destination_host", "global.test")]) == 1);
        Assert.Equal(1, after.Value("egress_kubernetes_watch_synced"));
        Assert.Equal(1, after.Value("egress_kubernetes_pods")); // the robot
        Assert.Equal(1, api.Lists);
    }

    [Fact]
    public async Task An_address_taken_over_by_a_new_pod_names_the_new_pod_and_the_old_pods_late_delete_changes_nothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var old = api.Seed(FakeKubernetesApi.Pod("team-b", "batch-1", Web.ToString(), app: "batch"));
        await using var identity = await IdentityGateway.StartAsync(api);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_pods") == 1);
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "team-a.test"));

        // The new pod is announced before the old one's DELETED (the order a watch can deliver them in).
        api.Added(FakeKubernetesApi.Pod("team-a", "web-1", Web.ToString(), app: "web"));
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "added")) == 1);
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "team-a.test"));
        api.Deleted(old);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "deleted")) == 1);
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "team-a.test"));

        var log = await identity.AccessLogAsync(Web, 3);
        Assert.Equal(("team-a", "web-1", "web"), (log.Field("ClientNamespace"), log.Field("ClientPod"), log.Field("ClientWorkload")));
        Assert.Equal("team-b", (await identity.AccessLogAsync(Web, 1)).Field("ClientNamespace"));
        Assert.Equal(1, (await MetricsScrape.FromAsync(identity.Gateway.Admin)).Value("egress_kubernetes_pods"));
    }

    [Fact]
    public async Task Plain_HTTP_requests_are_identified_by_their_pod_too()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Seed(FakeKubernetesApi.Pod("team-a", "web-1", Web.ToString(), app: "web", serviceAccount: "web"));
        await using var identity = await IdentityGateway.StartAsync(api, httpPort: upstream.HttpPort);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_pods") == 1);

        foreach (var (from, status) in new[] { (Web, "HTTP/1.1 200"), (Robot, "HTTP/1.1 403") })
        {
            using var raw = await RawClient.ConnectAsync(identity.Gateway.Proxy, from);
            await raw.SendAsync($"GET http://team-a.test:{upstream.HttpPort}/echo HTTP/1.1\r\nHost: team-a.test:{upstream.HttpPort}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith(status, (await raw.ReadResponseAsync()).Head, StringComparison.Ordinal);
        }

        var log = await identity.AccessLogAsync(Web, 1);
        Assert.Equal(("http", "team-a", "team-a", "web-1", "web", "web"), (log.Field("Protocol"), log.Field("ClientName"), log.Field("ClientNamespace"),
            log.Field("ClientPod"), log.Field("ClientWorkload"), log.Field("ClientServiceAccount")));
        var scrape = await identity.ScrapeWhenAsync(s => s.Value("egress_http_responses_total", [.. Labels("team-a", "web"), ("status_code", "200")]) == 1);
        Assert.Equal(1, scrape.Value("egress_http_responses_total", [.. Labels("-", "-"), ("status_code", "403")]));
    }
}
