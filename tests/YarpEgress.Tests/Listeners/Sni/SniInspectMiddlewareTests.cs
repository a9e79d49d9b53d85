using Microsoft.Extensions.Logging.Abstractions;
using YarpEgress.Configuration;
using YarpEgress.Listeners;
using YarpEgress.Listeners.Sni;
using YarpEgress.Telemetry;
using YarpEgress.Tests.Sni;
using YarpEgress.Tls;

namespace YarpEgress.Tests.Listeners.Sni;

/// <summary>
/// The SNI inspect stage over an in-memory pipe, with a recording send feature and fake time: the alert it answers
/// with, the plan it leaves for the next stage, that it consumes nothing, and how the session ends.
/// </summary>
public sealed class SniInspectMiddlewareTests : IDisposable
{
    private static readonly ListenerOptions Bound = new() { Name = "tls", Protocol = ListenerProtocol.Sni, Port = 8443 };

    private readonly StageHarness _harness = new(new EgressOptions
    {
        Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
        Allow = [new RuleOptions { Host = "a.example.test", Ports = ["8443"] }],
    });

    private (byte[]? HandedOn, ConnectionEnd EndSeenByNext) _next;

    private SniInspectMiddleware Middleware(ListenerKind kind = ListenerKind.SniPassthrough) => new(
        async connection =>
        {
            var end = connection.Features.Get<YarpEgress.Proxying.ProxyContext>()!.Session!.End;
            _next = (await PipeConnection.ReadToEndAsync(connection.Transport.Input), end);
        },
        new ListenerInfo("tls", kind, Bound), _harness.Gate, _harness.Telemetry, _harness.Time, NullLogger<SniInspectMiddleware>.Instance);

    [Fact]
    public async Task An_allowed_name_is_planned_and_the_whole_hello_handed_on()
    {
        var hello = ClientHelloSamples.ChromiumStyle("a.example.test", recordSizes: [100]);
        using var client = _harness.Open("tls");
        await client.WriteAsync(hello[..50]);
        var run = Middleware().OnConnectionAsync(client.Connection);
        await client.WriteAsync(hello[50..]);
        await client.FinishAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(hello, _next.HandedOn);
        Assert.Empty(client.Send.Sent);
        var plan = client.Context.Plan!.Value;
        Assert.Equal(("a.example.test", 8443), (plan.Target.Host, plan.Target.Port));
        Assert.Equal(("allowed", ConnectionEnd.Closed), (client.Context.Session!.Decision, client.Context.Session.End));
    }

    [Fact]
    public async Task A_terminating_listener_counts_the_handshake_failed_until_the_next_stage_says_otherwise()
    {
        using var client = _harness.Open("tls");
        await client.WriteAsync(ClientHelloSamples.ChromiumStyle("a.example.test"));
        await client.FinishAsync();
        await Middleware(ListenerKind.SniTerminate).OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ConnectionEnd.TlsHandshakeFailed, _next.EndSeenByNext);
        Assert.Equal(ProxyProtocol.SniTerminate, client.Context.Session!.Protocol);
    }

    [Fact]
    public async Task A_denied_name_gets_unrecognized_name_and_goes_no_further()
    {
        using var client = _harness.Open("tls");
        await client.WriteAsync(ClientHelloSamples.ChromiumStyle("b.example.test"));
        await Middleware().OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TlsAlert.Fatal(TlsAlert.UnrecognizedName), client.Send.Sent);
        Assert.True(client.Send.Finished);
        Assert.Null(_next.HandedOn);
        Assert.Equal(ConnectionEnd.Denied, client.Context.Session!.End);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", TlsAlert.HandshakeFailure)]
    [InlineData("\u0016\u0003\u0001\u0000\u0004\u0002\u0000\u0000\u0000", TlsAlert.DecodeError)]
    public async Task Bytes_that_are_no_ClientHello_get_an_alert(string bytes, byte alert)
    {
        using var client = _harness.Open("tls");
        await client.WriteAsync(System.Text.Encoding.Latin1.GetBytes(bytes));
        await client.FinishAsync();
        await Middleware().OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TlsAlert.Fatal(alert), client.Send.Sent);
        Assert.Null(_next.HandedOn);
        Assert.Equal(ConnectionEnd.BadClientHello, client.Context.Session!.End);
    }

    [Fact]
    public async Task A_hello_that_does_not_finish_in_time_is_closed_without_an_alert()
    {
        using var client = _harness.Open("tls");
        await client.WriteAsync(ClientHelloSamples.ChromiumStyle("a.example.test")[..20]);
        var run = Middleware().OnConnectionAsync(client.Connection);
        await Task.Yield();
        Assert.False(run.IsCompleted);

        _harness.Time.Advance(_harness.Snapshot.Timeouts.ClientHello);
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(client.Send.Sent);
        Assert.Null(_next.HandedOn);
        Assert.Equal(ConnectionEnd.Timeout, client.Context.Session!.End);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_hello_has_no_session()
    {
        using var client = _harness.Open("tls");
        await client.WriteAsync(ClientHelloSamples.ChromiumStyle("a.example.test")[..20]);
        await client.FinishAsync();
        await Middleware().OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(client.Send.Sent);
        Assert.Null(client.Context.Session);
    }

    public void Dispose() => _harness.Dispose();
}
