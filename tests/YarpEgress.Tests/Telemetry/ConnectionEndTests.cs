using System.Text.RegularExpressions;
using YarpEgress.Telemetry;
using YarpEgress.Tunneling;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Telemetry;

/// <summary>The one outcome vocabulary: every end has exactly one word, and the words are the ones logs and dashboards know.</summary>
public sealed partial class ConnectionEndTests
{
    [Fact]
    public void Each_end_is_written_as_the_snake_case_of_its_name()
    {
        foreach (var end in Enum.GetValues<ConnectionEnd>())
        {
            Assert.Equal(SnakeCase().Replace(end.ToString(), "_$1").ToLowerInvariant(), end.ToTag());
        }
    }

    [Fact]
    public void No_two_ends_share_a_word() =>
        Assert.Equal(Enum.GetValues<ConnectionEnd>().Length, Enum.GetValues<ConnectionEnd>().Select(e => e.ToTag()).Distinct(StringComparer.Ordinal).Count());

    [Theory]
    [InlineData(nameof(TunnelEnd.Closed), "closed")]
    [InlineData(nameof(TunnelEnd.ClientReset), "client_reset")]
    [InlineData(nameof(TunnelEnd.UpstreamReset), "upstream_reset")]
    [InlineData(nameof(TunnelEnd.IdleTimeout), "idle_timeout")]
    [InlineData(nameof(TunnelEnd.LifetimeExceeded), "lifetime_exceeded")]
    [InlineData(nameof(TunnelEnd.Cancelled), "drained")]
    public void A_tunnel_end_keeps_its_word(string tunnel, string word) =>
        Assert.Equal(word, ConnectionEndWords.Of(Enum.Parse<TunnelEnd>(tunnel)).ToTag());

    [Fact]
    public void A_connect_failure_ends_as_upstream_and_its_kind_word()
    {
        foreach (var kind in Enum.GetValues<ConnectFailureKind>())
        {
            var failure = new UpstreamConnectException(kind, "x");
            Assert.Equal("upstream_" + failure.Failure.MetricWord, failure.Failure.End.ToTag());
        }
    }

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex SnakeCase();
}
