using System.Net;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>
/// The pod watch when the API misbehaves: a watch dropped mid-stream resumes from its last resourceVersion without a
/// list, 410 Gone lists again, and an API down at start-up leaves connections served on their address alone (readiness
/// unaffected) until it comes back. The back-off runs on a <see cref="FakeTimeProvider"/> the test advances.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class WatchRecoveryTests
{
    private static readonly IPAddress Web = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Robot = IPAddress.Parse("127.0.0.3");

    private static Action Advance(FakeTimeProvider time) => () => time.Advance(TimeSpan.FromSeconds(5));

    [Fact]
    public async Task A_watch_dropped_mid_stream_resumes_from_its_last_resource_version_without_listing_again()
    {
        var time = new FakeTimeProvider();
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Seed(FakeKubernetesApi.Pod("team-b", "batch-1", "10.9.0.1"));
        await using var identity = await IdentityGateway.StartAsync(api, time);
        api.Added(FakeKubernetesApi.Pod("team-b", "robot-0", Robot.ToString(), serviceAccount: "robot"));
        api.Bookmark();
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "bookmark")) == 1);
        var bookmark = api.CurrentVersion;
        Assert.Equal(1, (await MetricsScrape.FromAsync(identity.Gateway.Admin)).Value("egress_kubernetes_watch_synced"));

        api.DropWatch();
        var dropped = await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_failures_total", ("reason", "dropped")) == 1);
        Assert.Equal(0, dropped.Value("egress_kubernetes_watch_synced"));
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Robot, "robot.test")); // the index still serves

        // A pod added while no watch was open arrives on the resumed watch, after the back-off.
        api.Added(FakeKubernetesApi.Pod("team-a", "web-1", Web.ToString(), app: "web"));
        var resumed = await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_events_total", ("type", "added")) == 2, Advance(time));
        Assert.Equal(1, resumed.Value("egress_kubernetes_watch_synced"));
        Assert.Equal(1, resumed.Value("egress_kubernetes_watch_lists_total"));
        Assert.Equal(1, api.Lists);
        Assert.Equal(2, api.WatchVersions.Count);
        Assert.Equal(bookmark, api.WatchVersions[1]);
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "team-a.test"));
        Assert.Contains(identity.Logs(1001), r => r.Message.Contains("(dropped)", StringComparison.Ordinal));
        Assert.Contains(identity.Logs(1003), r => r.Message.Contains($"resourceVersion {bookmark}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gone_lists_again_and_the_list_replaces_what_the_index_held()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var web = api.Seed(FakeKubernetesApi.Pod("team-a", "web-1", Web.ToString(), app: "web"));
        await using var identity = await IdentityGateway.StartAsync(api);
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_pods") == 1);
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "team-a.test"));

        // While the watch was behind, web-1 went and robot-0 came; the watch only says its version is too old.
        api.Forget(web);
        api.Seed(FakeKubernetesApi.Pod("team-b", "robot-0", Robot.ToString(), serviceAccount: "robot"));
        api.Gone();
        var relisted = await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_lists_total") == 2);
        Assert.Equal(1, relisted.Value("egress_kubernetes_watch_failures_total", ("reason", "gone")));
        Assert.Equal(1, relisted.Value("egress_kubernetes_pods"));
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "team-a.test"));
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Robot, "robot.test"));
        Assert.Single(identity.Logs(1002));
        Assert.Equal(api.CurrentVersion, api.WatchVersions[^1]); // the new watch starts at the new list's version
    }

    [Fact]
    public async Task With_the_API_down_at_start_up_connections_are_served_on_their_address_alone_until_it_comes_back()
    {
        var time = new FakeTimeProvider();
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Seed(FakeKubernetesApi.Pod("team-a", "web-1", Web.ToString(), app: "web"));
        api.Reachable = false;
        await using var identity = await IdentityGateway.StartAsync(api, time);

        var down = await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_failures_total", ("reason", "unreachable")) >= 1);
        Assert.Equal(0, down.Value("egress_kubernetes_watch_synced"));
        using (var http = DirectHttp.Create())
        {
            Assert.Equal("ready\n", await http.GetStringAsync($"http://{identity.Gateway.Admin}/readyz"));
        }

        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "team-a.test")); // team-a's client is not known
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "global.test"));
        Assert.Equal("-", (await identity.AccessLogAsync(Web, 2)).Field("ClientNamespace"));
        Assert.Contains(identity.Logs(1001), r => r.Message.Contains("(unreachable)", StringComparison.Ordinal));

        // The API comes back: the next try, after the back-off, lists and syncs.
        api.Reachable = true;
        var up = await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_watch_synced") == 1, Advance(time));
        Assert.Equal(1, up.Value("egress_kubernetes_pods"));
        Assert.Equal("HTTP/1.1 200 Connection Established", await identity.ConnectAsync(Web, "team-a.test"));
        Assert.Equal("team-a", (await identity.AccessLogAsync(Web, 3)).Field("ClientNamespace"));

        // Out of reach for longer than MaxStaleness (5 min): what the index held is forgotten.
        api.Reachable = false;
        api.DropWatch();
        await identity.ScrapeWhenAsync(s => s.Value("egress_kubernetes_pods") == 0, Advance(time));
        Assert.True(identity.Logs(1004).Count() == 1, string.Join('\n', identity.Gateway.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id >= 1000).Select(r => r.ToString())));
        Assert.Equal("HTTP/1.1 403 Forbidden", await identity.ConnectAsync(Web, "team-a.test"));
        var refused = api.Refused;
        Assert.True(refused < 60, $"{refused} requests while the API was away: the back-off should have spaced them");
    }
}
