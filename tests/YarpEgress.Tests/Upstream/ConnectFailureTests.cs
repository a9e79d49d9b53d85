using YarpEgress.Proxying;
using YarpEgress.Tls;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Upstream;

/// <summary>The one table of connect failures: every kind has its row, and each reporter reads the same row.</summary>
public sealed class ConnectFailureTests
{
    [Theory]
    [InlineData(nameof(ConnectFailureKind.Dns), 502, "dns_error", "dns", TlsAlert.InternalError, false)]
    [InlineData(nameof(ConnectFailureKind.Refused), 502, "connection_refused", "refused", TlsAlert.InternalError, true)]
    [InlineData(nameof(ConnectFailureKind.Unreachable), 502, "destination_ip_unroutable", "unreachable", TlsAlert.InternalError, true)]
    [InlineData(nameof(ConnectFailureKind.Timeout), 504, "connection_timeout", "timeout", TlsAlert.InternalError, true)]
    [InlineData(nameof(ConnectFailureKind.AddressDenied), 403, "destination_ip_prohibited", "address_denied", TlsAlert.AccessDenied, false)]
    [InlineData(nameof(ConnectFailureKind.CircuitOpen), 503, "destination_unavailable", "circuit_open", TlsAlert.InternalError, false)]
    [InlineData(nameof(ConnectFailureKind.Tls), 502, "tls_certificate_error", "tls", TlsAlert.InternalError, false)]
    [InlineData(nameof(ConnectFailureKind.ParentProxy), 502, "proxy_next_hop_error", "parent_proxy", TlsAlert.InternalError, false)]
    public void Each_kind_has_one_answer_for_every_reporter(string name, int status, string proxyStatus, string word, byte alert, bool tripsBreaker)
    {
        var kind = Enum.Parse<ConnectFailureKind>(name);
        var failure = ConnectFailure.Of(kind);
        Assert.Equal((kind, status, proxyStatus, word, alert, tripsBreaker), (failure.Kind, failure.StatusCode, failure.ProxyStatus, failure.MetricWord, failure.TlsAlert, failure.TripsBreaker));

        var error = ProxyError.From(new UpstreamConnectException(kind, "what happened"));
        Assert.Equal((status, proxyStatus, "what happened"), (error.StatusCode, error.ProxyStatus, error.Message));
    }

    [Fact]
    public void The_table_has_a_row_per_kind_in_the_enum_order() =>
        Assert.Equal(Enum.GetValues<ConnectFailureKind>(), ConnectFailure.All.Select(f => f.Kind));
}
