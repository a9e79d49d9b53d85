using System.Net;
using Microsoft.Extensions.Logging.Testing;
using YarpEgress.Addressing;
using YarpEgress.Policy;
using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Tests.Telemetry.Insights;

/// <summary>
/// The page's and the suggestion's records stay within their caps under a flood of distinct names, and keep what
/// matters: the heavy destinations, the newest denials, the names seen first.
/// </summary>
public sealed class BoundedInsightsTests
{
    private static string RandomName(Random random) => $"n{random.Next():x8}{random.Next():x8}.flood.example.com";

    [Fact]
    public void Top_destinations_keep_the_heavy_ones_within_capacity_under_a_flood()
    {
        var top = new TopDestinations(capacity: 50);
        var random = new Random(1);
        for (var i = 0; i < 100_000; i++)
        {
            top.Add(RandomName(random), 443, 10, 10);
            if (i % 100 == 0)
            {
                top.Add("heavy.example.com", 443, 1000, 1000); // about a tenth of all bytes: never lost
            }
        }

        Assert.Equal(50, top.Count);
        Assert.True(top.Evicted >= 100_000 - 50);
        var heaviest = top.Top(5, [])[0];
        Assert.Equal("heavy.example.com:443", heaviest.Destination);
        Assert.Equal(1000L * 1000, heaviest.BytesFromClient);
        Assert.Equal(1000L, heaviest.Connections);
    }

    [Fact]
    public void Top_destinations_add_live_sessions_and_ignore_sessions_that_moved_nothing()
    {
        var top = new TopDestinations(capacity: 10);
        top.Add("a.example.com", 443, 100, 200);
        top.Add("b.example.com", 443, 0, 0);
        var totals = top.Top(10, [("a.example.com", 443, 5, 5), ("c.example.com", 8443, 1, 2), ("::1", 22, 1, 1)]);
        Assert.Equal(["a.example.com:443", "c.example.com:8443", "[::1]:22"], totals.Select(t => t.Destination));
        Assert.Equal((105L, 205L, 2L, 1, 0L), (totals[0].BytesFromClient, totals[0].BytesToClient, totals[0].Connections, totals[0].Live, totals[0].UntrackedBytesUpTo));
        Assert.Single(top.Top(1, []));
    }

    [Fact]
    public void A_destination_that_returns_to_a_full_table_carries_the_bound_of_what_it_may_have_missed()
    {
        var top = new TopDestinations(capacity: 2);
        top.Add("a.example.com", 443, 5, 5);
        top.Add("b.example.com", 443, 50, 50);
        top.Add("c.example.com", 443, 1, 0); // takes a's place (10 bytes): it may have moved up to 10 before
        var c = Assert.Single(top.Top(10, []), t => t.Destination == "c.example.com:443");
        Assert.Equal((1L, 10L), (c.Bytes, c.UntrackedBytesUpTo));
    }

    [Fact]
    public void Recent_denials_hold_the_newest_in_a_ring_and_count_all()
    {
        var denials = new RecentDenials(capacity: 3);
        for (var i = 0; i < 10_000; i++)
        {
            denials.Add(new DenialRecord(DateTimeOffset.UnixEpoch, "proxy", "connect", "127.0.0.1:1", null, $"d{i}.example.com:443", "denied", "no_match", "no Allow rule matches"));
        }

        Assert.Equal(10_000, denials.Total);
        Assert.Equal(["d9999.example.com:443", "d9998.example.com:443", "d9997.example.com:443"], denials.Newest().Select(d => d.Destination));
    }

    [Fact]
    public void Names_seen_stop_at_the_cap_and_count_the_rest()
    {
        var max = 100;
        var seen = new SeenDestinations(() => max);
        var random = new Random(2);
        for (var i = 0; i < 50_000; i++)
        {
            seen.Decided(i % 2 == 0 ? null : "team-a", Dest(RandomName(random), 443), DecisionOutcome.Reported);
        }

        Assert.Equal(100, seen.Count);
        Assert.Equal(100, seen.All().Count);
        Assert.Equal(50_000 - 100, seen.Untracked);

        // Names kept still count; a lower cap (a reload) adds no more.
        var kept = seen.All()[0];
        seen.Decided(kept.Client, Dest(kept.Host, 8443), DecisionOutcome.Denied);
        Assert.Equal([443, 8443], kept.Snapshot().Ports.Keys);
        max = 10;
        seen.Decided(null, Dest("new.example.com", 443), DecisionOutcome.Allowed);
        Assert.Equal(100, seen.Count);
    }

    [Fact]
    public void Reaching_the_names_cap_is_logged_once()
    {
        var logger = new FakeLogger();
        var seen = new SeenDestinations(() => 2, logger);
        foreach (var name in new[] { "a.example.com", "b.example.com", "c.example.com", "d.example.com", "a.example.com" })
        {
            seen.Decided(null, Dest(name, 443), DecisionOutcome.Denied);
        }

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((1100, Microsoft.Extensions.Logging.LogLevel.Warning), (record.Id.Id, record.Level));
        Assert.StartsWith("Egress:Suggest:MaxNames (2) reached", record.Message, StringComparison.Ordinal);
        Assert.Equal(2, seen.Untracked);
    }

    [Fact]
    public void IP_literals_and_internal_names_are_counted_never_kept()
    {
        var seen = new SeenDestinations(() => 1000);
        seen.Decided(null, YarpEgress.Addressing.Destination.ForAddress(IPAddress.Parse("203.0.113.7"), 443), DecisionOutcome.Reported);
        seen.Decided(null, YarpEgress.Addressing.Destination.ForAddress(IPAddress.Parse("2001:db8::1"), 443), DecisionOutcome.Reported);
        foreach (var name in new[] { "redis", "localhost", "a.localhost", "db.svc.cluster.local", "metadata.google.internal", "nas.home.arpa", "kubernetes.default.svc" })
        {
            seen.Decided(null, Dest(name, 443), DecisionOutcome.Denied);
        }

        seen.Decided(null, Dest("internal.example.com", 443), DecisionOutcome.Denied); // a public name, whatever it says
        Assert.Equal((2L, 7L), (seen.IpLiterals, seen.InternalNameDecisions));
        Assert.Equal(["internal.example.com"], seen.All().Select(s => s.Host));
    }

    [Fact]
    public void Ports_per_name_are_capped()
    {
        var seen = new SeenDestinations(() => 10);
        for (var port = 1; port <= 1000; port++)
        {
            seen.Decided(null, Dest("scan.example.com", port), DecisionOutcome.Denied);
        }

        var name = Assert.Single(seen.All()).Snapshot();
        Assert.Equal(SeenDestination.MaxPorts, name.Ports.Count);
        Assert.True(name.MorePorts);
        Assert.Equal(1000, name.Denied);
    }

    private static Destination Dest(string host, int port)
    {
        Assert.True(Destination.TryParse($"{host}:{port}", null, out var destination, out var error), error);
        return destination;
    }
}
