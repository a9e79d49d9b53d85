using System.Text;
using YarpEgress.Configuration;
using YarpEgress.Listeners.HttpConnect;
using YarpEgress.Telemetry;
using YarpEgress.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace YarpEgress.Tests.Listeners.HttpConnect;

/// <summary>
/// The CONNECT stage over an in-memory pipe, with a recording send feature and fake time: the answer it sends raw,
/// how the session ends, what it hands to the next stage, and that the tunnel is relayed through the pipe.
/// </summary>
public sealed class ConnectMiddlewareTests : IAsyncLifetime
{
    private readonly TcpUpstream _echo = TcpUpstream.Echo();
    private readonly TaskCompletionSource _parentAccepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TcpUpstream _silentParent;
    private readonly StageHarness _harness;
    private int _nextCalls;

    public ConnectMiddlewareTests()
    {
        // A parent proxy that accepts and never answers: the dial through it waits until someone gives up.
        _silentParent = TcpUpstream.Start(async socket =>
        {
            _parentAccepted.TrySetResult();
            await TcpUpstream.ReadToEndAsync(socket);
        });
        _harness = new StageHarness(new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
            Allow =
            [
                new RuleOptions { Host = "a.example.test", Ports = ["443", _echo.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)] },
                new RuleOptions { Host = "via.example.test" },
            ],
            Routes = [new RouteOptions { Host = "via.example.test", Via = $"http://127.0.0.1:{_silentParent.Port}" }],
            Hosts = new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            PrivateNetworks = new PrivateNetworkOptions { Allow = ["127.0.0.0/8"] },
        });
    }

    private ConnectMiddleware Middleware() => new(_ => { _nextCalls++; return Task.CompletedTask; }, _harness.Gate, _harness.Tunnels, _harness.Telemetry, _harness.Time, NullLogger<ConnectMiddleware>.Instance);

    [Fact]
    public async Task An_allowed_CONNECT_is_answered_200_and_relayed_through_the_pipe()
    {
        using var client = _harness.Open("proxy");
        await client.WriteAsync($"CONNECT a.example.test:{_echo.Port} HTTP/1.1\r\nHost: a.example.test\r\n\r\nhello through the tunnel");
        await client.FinishAsync();

        var run = Middleware().OnConnectionAsync(client.Connection);
        Assert.Equal("hello through the tunnel", await client.ReadOutputToEndAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", client.SentText);
        Assert.False(client.Send.Finished);
        Assert.Equal((200, ConnectionEnd.Closed, "allowed"), (client.Context.Session!.StatusCode, client.Context.Session.End, client.Context.Session.Decision));
        Assert.Equal(0, _nextCalls);
    }

    [Fact]
    public async Task A_denied_destination_gets_403_with_its_reason_and_is_never_dialed()
    {
        using var client = _harness.Open("proxy");
        await client.WriteAsync($"CONNECT b.example.test:{_echo.Port} HTTP/1.1\r\n\r\n");

        await Middleware().OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", client.SentText, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_denied\r\n", client.SentText, StringComparison.Ordinal);
        Assert.EndsWith("no Allow rule matches 'b.example.test:" + _echo.Port + "'\n", client.SentText, StringComparison.Ordinal);
        Assert.True(client.Send.Finished);
        Assert.Equal((403, ConnectionEnd.Denied), (client.Context.Session!.StatusCode, client.Context.Session.End));
        Assert.Equal(0, _echo.Accepted);
    }

    [Fact]
    public async Task A_dial_ends_when_the_client_leaves_not_only_at_the_drain()
    {
        using var client = _harness.Open("proxy");
        await client.WriteAsync("CONNECT via.example.test:443 HTTP/1.1\r\n\r\n");
        var run = Middleware().OnConnectionAsync(client.Connection);
        await _parentAccepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(run.IsCompleted); // the parent's answer is awaited (the connect deadline runs on fake time)

        await client.LeaveAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(client.Send.Sent); // nobody is left to answer
        Assert.Equal(ConnectionEnd.ClientReset, client.Context.Session!.End);
    }

    [Theory]
    [InlineData("CONNECT a.example.test:443 HTTP/1.1 extra\r\n\r\n")]
    [InlineData("CONNECT a.example.test HTTP/1.1\r\n\r\n")]
    public async Task A_malformed_CONNECT_gets_400(string head)
    {
        using var client = _harness.Open("proxy");
        await client.WriteAsync(head);

        await Middleware().OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", client.SentText, StringComparison.Ordinal);
        Assert.Equal((400, ConnectionEnd.BadRequest), (client.Context.Session!.StatusCode, client.Context.Session.End));
        Assert.Equal(0, _nextCalls);
    }

    [Fact]
    public async Task A_head_that_does_not_finish_in_time_gets_408()
    {
        using var client = _harness.Open("proxy");
        await client.WriteAsync("CONNECT a.example.test:443 HTTP/1.1\r\n");
        var run = Middleware().OnConnectionAsync(client.Connection);
        await Task.Yield();
        Assert.False(run.IsCompleted);

        _harness.Time.Advance(_harness.Snapshot.Timeouts.RequestHead);
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", client.SentText, StringComparison.Ordinal);
        Assert.Equal((408, ConnectionEnd.Timeout), (client.Context.Session!.StatusCode, client.Context.Session.End));
    }

    [Fact]
    public async Task Anything_but_CONNECT_goes_to_the_next_stage_with_no_byte_consumed()
    {
        const string request = "GET http://a.example.test/ HTTP/1.1\r\nHost: a.example.test\r\n\r\n";
        using var client = _harness.Open("proxy");
        await client.WriteAsync(request);
        await client.FinishAsync();
        byte[]? handedOn = null;
        var middleware = new ConnectMiddleware(async next => handedOn = await PipeConnection.ReadToEndAsync(next.Transport.Input),
            _harness.Gate, _harness.Tunnels, _harness.Telemetry, _harness.Time, NullLogger<ConnectMiddleware>.Instance);

        await middleware.OnConnectionAsync(client.Connection).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(request, Encoding.ASCII.GetString(handedOn!));
        Assert.Empty(client.Send.Sent);
        Assert.Null(client.Context.Session);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _harness.Dispose();
        await _echo.DisposeAsync();
        await _silentParent.DisposeAsync();
    }
}
