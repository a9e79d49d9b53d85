using YarpEgress.Configuration;
using YarpEgress.Configuration.Loading;
using YarpEgress.Listeners.Http;

namespace YarpEgress.Tests.Configuration;

/// <summary>The plain-HTTP pool settings: validated with their key paths, and part of what starts a new pool generation.</summary>
public sealed class UpstreamPoolOptionsTests : IDisposable
{
    private const string Listeners = """
        "Listeners": [ { "Name": "proxy", "Address": "127.0.0.1", "Port": 0 } ], "Admin": { "Address": "127.0.0.1", "Port": 0 }, "Allow": [ { "Host": "a.test" } ]
        """;

    private readonly ConfigFiles _files = new();

    private (EgressSnapshot? Snapshot, List<string> Errors) Load(string egress)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(ConfigFiles.Load(_files.Write($$"""{ "Egress": { {{Listeners}}, {{egress}} } }""")), errors);
        return (snapshot, errors);
    }

    [Fact]
    public void Out_of_range_pool_settings_are_reported_together_with_their_key_paths()
    {
        var (snapshot, errors) = Load("""
            "Limits": { "MaxUpstreamHttpConnections": 0, "MaxUpstreamHttpConnectionsPerDestination": -1 },
            "Timeouts": { "UpstreamHttpIdle": "00:00:00" }
            """);
        Assert.Null(snapshot);
        Assert.Equal(
            [
                "Egress:Timeouts:UpstreamHttpIdle: must be positive, got 00:00:00",
                "Egress:Limits:MaxUpstreamHttpConnections: 0 is outside 1-1000000",
                "Egress:Limits:MaxUpstreamHttpConnectionsPerDestination: -1 is outside 1-1000000",
            ],
            errors);
    }

    [Fact]
    public void Defaults_keep_idle_connections_for_seconds_and_bound_the_pools()
    {
        var (snapshot, errors) = Load("\"Mode\": \"Enforce\"");
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(5), snapshot!.Timeouts.UpstreamHttpIdle);
        Assert.Equal(1000, snapshot.Limits.MaxUpstreamHttpConnections);
        Assert.Equal(256, snapshot.Limits.MaxUpstreamHttpConnectionsPerDestination);
    }

    [Theory]
    [InlineData("\"PrivateNetworks\": { \"Allow\": [ \"10.0.0.0/8\" ] }", true)]
    [InlineData("\"Hosts\": { \"a.test\": \"10.0.0.1\" }", true)]
    [InlineData("\"Routes\": [ { \"Host\": \"a.test\", \"Upstream\": \"10.0.0.1:80\" } ]", true)]
    [InlineData("\"Dns\": { \"Family\": \"V4Only\" }", true)]
    [InlineData("\"Timeouts\": { \"UpstreamHttpIdle\": \"00:00:09\" }", true)]
    [InlineData("\"Timeouts\": { \"Connect\": \"00:00:03\" }", true)]
    [InlineData("\"Limits\": { \"MaxUpstreamHttpConnectionsPerDestination\": 7 }", true)]
    [InlineData("\"Deny\": [ { \"Host\": \"b.test\" } ]", false)]
    [InlineData("\"Limits\": { \"MaxUpstreamHttpConnections\": 7 }", false)]
    [InlineData("\"Timeouts\": { \"TunnelIdle\": \"00:01:00\" }", false)]
    public void Only_changes_to_how_destinations_are_dialed_start_new_pools(string change, bool newPools)
    {
        var (before, _) = Load("\"Mode\": \"Enforce\"");
        var (after, errors) = Load(change);
        Assert.Empty(errors);
        Assert.Equal(newPools, ForwardingInvokers.DialSettingsOf(before!.Options) != ForwardingInvokers.DialSettingsOf(after!.Options));
    }

    public void Dispose() => _files.Dispose();
}
