using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// RFC 9110/9112 on the plain-HTTP path, seen from raw sockets on both sides: the request line and headers the upstream
/// receives, and what the gateway answers itself.
/// </summary>
public sealed class HttpSemanticsTests : IAsyncLifetime
{
    private RecordingUpstream _upstream = null!;

    private string Authority => $"a.example.test:{_upstream.Port}";

    public Task InitializeAsync()
    {
        _upstream = RecordingUpstream.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private Task<TestGateway> StartAsync(string? via = null, bool fakeLogging = false)
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_upstream.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            timeouts: new { Connect = "00:00:05", RequestHead = "00:01:00" }))!;
        if (via is not null)
        {
            config["Egress"]!["Http"] = new JsonObject { ["Via"] = via };
        }

        return TestGateway.StartAsync(config, fakeLogging ? services => services.AddLogging(b => b.AddFakeLogging()) : null);
    }

    private static Task<(string Head, string Body)> SendAsync(TestGateway gateway, string request) => RawClient.ExchangeOnceAsync(gateway.Proxy, request);

    [Theory]
    [InlineData("/a%2Fb", "/a%2Fb")]
    [InlineData("/files/..%2Fsecret", "/files/..%2Fsecret")]
    [InlineData("/files/../secret", "/files/../secret")]
    [InlineData("/%41?x=%ZZ", "/%41?x=%ZZ")]
    [InlineData("/a//b;p=1?q=a+b&r=%2f", "/a//b;p=1?q=a+b&r=%2f")]
    [InlineData("", "/")]
    [InlineData("?x=1", "/?x=1")]
    public async Task An_absolute_form_target_goes_out_byte_for_byte(string pathAndQuery, string expected)
    {
        await using var gateway = await StartAsync();
        var (head, _) = await SendAsync(gateway, $"GET http://{Authority}{pathAndQuery} HTTP/1.1\r\nHost: {Authority}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal($"GET {expected} HTTP/1.1", _upstream.RequestLine);
    }

    [Fact]
    public async Task An_origin_form_target_goes_out_the_same_way()
    {
        await using var gateway = await StartAsync();
        var (head, _) = await SendAsync(gateway, $"GET /files/..%2Fsecret?x=%ZZ HTTP/1.1\r\nHost: {Authority}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal("GET /files/..%2Fsecret?x=%ZZ HTTP/1.1", _upstream.RequestLine);
    }

    [Theory]
    [InlineData("keep-alive, X-Hop-Test")]
    [InlineData("close, X-Hop-Test")]
    [InlineData("X-Hop-Test,keep-alive")]
    [InlineData("keep-alive,,  X-Hop-Test ,")]
    public async Task Headers_named_in_Connection_are_dropped_whatever_else_it_lists(string connection)
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"GET http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nConnection: {connection}\r\nX-Hop-Test: 1\r\nX-Kept: 2\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Hop-Test", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("X-Kept: 2\r\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_request_of_a_kept_alive_connection_is_judged_by_its_own_Connection_header()
    {
        await using var gateway = await StartAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        var expected = new[] { false, true, false, true };
        for (var i = 0; i < expected.Length; i++)
        {
            var connection = expected[i] ? "keep-alive" : "keep-alive, X-Hop-Test";
            await raw.SendAsync($"POST http://{Authority}/{i} HTTP/1.1\r\nHost: {Authority}\r\nConnection: {connection}\r\nX-Hop-Test: {i}\r\nContent-Length: 4\r\n\r\nbody");
            var (head, body) = await raw.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
            Assert.StartsWith($"POST /{i} HTTP/1.1\r\n", body, StringComparison.Ordinal);
            Assert.Equal(expected[i], body.Contains($"X-Hop-Test: {i}\r\n", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Connection_never_drops_the_framing_or_Host_and_ignores_what_is_not_a_token()
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway,
            $"POST http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nConnection: Content-Type, Content-Length, Host, Transfer-Encoding, a b, x:y, X-Gone\r\n" +
            "Content-Type: text/plain\r\nContent-Length: 5\r\nX-Gone: 1\r\nX-Kept: 2\r\n\r\nhello");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 5\r\n", body, StringComparison.Ordinal);
        Assert.Contains($"Host: {Authority}\r\n", body, StringComparison.Ordinal);
        Assert.Contains("X-Kept: 2\r\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Type", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Gone", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_response_keeps_its_framing_whatever_its_Connection_names()
    {
        await using var upstream = RecordingUpstream.Start("Connection: Content-Length, X-Up\r\nX-Up: 1\r\nX-Kept: 2\r\n");
        var config = TestGateway.Config(
            allow: [new { Host = "b.example.test", Ports = new[] { $"{upstream.Port}" } }],
            hosts: new Dictionary<string, string> { ["b.example.test"] = "127.0.0.1" });
        await using var gateway = await TestGateway.StartAsync(config);
        var (head, body) = await SendAsync(gateway, $"GET http://b.example.test:{upstream.Port}/ HTTP/1.1\r\nHost: b.example.test:{upstream.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: ", head, StringComparison.Ordinal);
        Assert.Contains("X-Kept: 2\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Up", head, StringComparison.Ordinal);
        Assert.StartsWith("GET / HTTP/1.1\r\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_Length_with_Transfer_Encoding_leaves_no_X_Content_Length_and_closes_the_connection()
    {
        await using var gateway = await StartAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"POST http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        var (head, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Transfer-Encoding: chunked\r\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", body, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await raw.ReadToEndAsync()); // closed after the response
    }

    [Fact]
    public async Task HTTP_1_0_with_Transfer_Encoding_closes_the_connection_after_the_response()
    {
        await using var gateway = await StartAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"POST http://{Authority}/ HTTP/1.0\r\nHost: {Authority}\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        var (head, _) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await raw.ReadToEndAsync());
    }

    [Fact]
    public async Task HTTP_1_0_keep_alive_without_Transfer_Encoding_stays_open()
    {
        await using var gateway = await StartAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        for (var i = 0; i < 2; i++)
        {
            await raw.SendAsync($"GET http://{Authority}/{i} HTTP/1.0\r\nHost: {Authority}\r\nConnection: keep-alive\r\n\r\n");
            var (head, _) = await raw.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
            Assert.DoesNotContain("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("a\u001Bb", "X-Esc")]
    [InlineData("a\u007Fb", "X-Esc")]
    [InlineData("a\u0001b", "X-Esc")]
    [InlineData("a\u001Fb", "X-Esc")]
    public async Task A_control_character_in_a_header_value_is_refused(string value, string name)
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"GET http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\n{name}: {value}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_error", head, StringComparison.Ordinal);
        Assert.Equal($"the value of header '{name}' has a control character\n", body);
        Assert.Equal(0, _upstream.Accepted);
    }

    [Fact]
    public async Task A_tab_in_a_header_value_is_forwarded()
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"GET http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nX-Tab: a\tb\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("X-Tab: a\tb\r\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OPTIONS_with_Max_Forwards_0_is_answered_by_the_gateway()
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"OPTIONS http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nMax-Forwards: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Allow: GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, PATCH\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 0\r\n", head, StringComparison.Ordinal);
        Assert.Equal(string.Empty, body);
        Assert.Equal(0, _upstream.Accepted);
    }

    [Fact]
    public async Task TRACE_with_Max_Forwards_0_is_refused_with_405()
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"TRACE http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nMax-Forwards: 0\r\nCookie: secret\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 405", head, StringComparison.Ordinal);
        Assert.Contains("Allow: GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, PATCH\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_denied", head, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Accepted);
    }

    [Theory]
    [InlineData("OPTIONS", "3", "Max-Forwards: 2\r\n")]
    [InlineData("TRACE", "1", "Max-Forwards: 0\r\n")]
    [InlineData("GET", "0", "Max-Forwards: 0\r\n")]
    [InlineData("OPTIONS", "x", "Max-Forwards: x\r\n")]
    public async Task Max_Forwards_is_decremented_on_TRACE_and_OPTIONS_only(string method, string sent, string received)
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"{method} http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nMax-Forwards: {sent}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains(received, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Via_is_added_both_ways_with_the_received_version_when_configured()
    {
        await using var gateway = await StartAsync(via: "yarp-egress");
        var (head, body) = await SendAsync(gateway, $"GET http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\nVia: 1.0 fred\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Via: 1.0 fred, 1.1 yarp-egress\r\n", body, StringComparison.Ordinal);
        Assert.Contains("Via: 1.1 yarp-egress\r\n", head, StringComparison.Ordinal);

        (_, body) = await SendAsync(gateway, $"GET http://{Authority}/ HTTP/1.0\r\nHost: {Authority}\r\n\r\n");
        Assert.Contains("Via: 1.0 yarp-egress\r\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_Via_by_default()
    {
        await using var gateway = await StartAsync();
        var (head, body) = await SendAsync(gateway, $"GET http://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\n\r\n");
        Assert.DoesNotContain("Via", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Via", body, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("HTTP")]
    [InlineData("Http")]
    public async Task An_upper_case_http_scheme_is_forwarded(string scheme)
    {
        await using var gateway = await StartAsync();
        var (head, _) = await SendAsync(gateway, $"GET {scheme}://{Authority}/a%2Fb HTTP/1.1\r\nHost: {Authority}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal("GET /a%2Fb HTTP/1.1", _upstream.RequestLine);
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("ftp")]
    [InlineData("gopher")]
    public async Task Another_scheme_gets_the_gateways_own_400_and_its_record(string scheme)
    {
        await using var gateway = await StartAsync(fakeLogging: true);
        var (head, body) = await SendAsync(gateway, $"GET {scheme}://{Authority}/ HTTP/1.1\r\nHost: {Authority}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_error", head, StringComparison.Ordinal);
        Assert.Equal($"this proxy forwards http:// targets, not {scheme}://; use CONNECT host:port for anything else\n", body);
        var record = Assert.Single(await AccessLogRecords.WaitAsync(gateway, 1));
        Assert.Equal("http", record.Field("Protocol"));
        Assert.Equal("400", record.Field("Status"));
        Assert.Equal("bad_request", record.Field("End"));
        Assert.Equal(0, _upstream.Accepted);
    }

    [Fact]
    public async Task A_CONNECT_head_with_bare_LF_line_ends_is_refused_at_once()
    {
        // RequestHead is a minute here: a 408 could only come after the reader's own timeout.
        await using var gateway = await StartAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT {Authority} HTTP/1.1\nHost: {Authority}\n\n");
        var (head, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Equal("request-head lines must end in CRLF, not a bare LF\n", body);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1.1")]
    public async Task A_response_cut_by_an_upstream_reset_reaches_the_client_as_a_reset(string version)
    {
        var headSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = TcpUpstream.Start(async socket =>
        {
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, SocketFlags.None); // the request head (small, one segment on loopback)
            await socket.SendAsync("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"u8.ToArray(), SocketFlags.None);
            await socket.SendAsync(new byte[81920], SocketFlags.None);
            await headSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            socket.LingerState = new LingerOption(true, 0);
            socket.Close(); // RST, no FIN
        });
        var config = TestGateway.Config(
            allow: [new { Host = "c.example.test", Ports = new[] { $"{upstream.Port}" } }],
            hosts: new Dictionary<string, string> { ["c.example.test"] = "127.0.0.1" });
        await using var gateway = await TestGateway.StartAsync(config);
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"GET http://c.example.test:{upstream.Port}/ HTTP/{version}\r\nHost: c.example.test:{upstream.Port}\r\n\r\n");
        var head = await raw.ReadHeadAsync();
        Assert.StartsWith($"HTTP/1.1 200", head, StringComparison.Ordinal);
        headSeen.SetResult();
        var error = await Assert.ThrowsAsync<SocketException>(() => raw.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }
}
