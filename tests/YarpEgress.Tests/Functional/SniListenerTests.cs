using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Functional;

/// <summary>SNI listeners end to end: passthrough, host:port names, port mapping, alerts, and TLS termination.</summary>
public sealed class SniListenerTests : IAsyncLifetime
{
    private static readonly byte[] UnrecognizedNameAlert = [21, 3, 3, 0, 2, 2, 112];

    private HttpUpstream _https = null!;
    private TcpUpstream _echo = null!;
    private TestGateway _gateway = null!;
    private string _caFile = null!;

    public async Task InitializeAsync()
    {
        _https = await HttpUpstream.StartAsync();
        _echo = TcpUpstream.Echo();
        _caFile = TestCertificates.WriteRootPem();
        var (certificate, key) = TestCertificates.WriteServerPem();
        _gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "*.example.test", Ports = new[] { $"{_https.HttpsPort}", $"{_echo.Port}" } }],
            deny: [new { Host = "b.example.test" }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1", ["c.example.test"] = "127.0.0.1" },
            timeouts: new { Connect = "00:00:05", ClientHello = "00:00:01" },
            listeners:
            [
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_https.HttpsPort, DefaultHost = (string?)null, Tls = (object?)null },
                new { Name = "default", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_https.HttpsPort, DefaultHost = (string?)"c.example.test", Tls = (object?)null },
                new { Name = "tcp-over-tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_echo.Port, DefaultHost = (string?)null,
                      Tls = (object?)new { Mode = "Terminate", CertificatePath = certificate, KeyPath = key } },
                new { Name = "mtls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_echo.Port, DefaultHost = (string?)null,
                      Tls = (object?)new { Mode = "Terminate", CertificatePath = certificate, KeyPath = key, ClientCaPath = _caFile } },
            ]));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _echo.DisposeAsync();
        await _https.DisposeAsync();
    }

    private HttpClient ClientThrough(string listener)
    {
        var endPoint = _gateway.EndPoint(listener);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = TestCertificates.ValidateAgainstTestRoot },
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler);
    }

    private async Task<SslStream> TlsThroughAsync(string listener, string targetHost, X509Certificate2? clientCertificate = null, RemoteCertificateValidationCallback? validate = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(_gateway.EndPoint(listener));
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            RemoteCertificateValidationCallback = validate ?? TestCertificates.ValidateAgainstTestRoot,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        });
        return tls;
    }

    /// <summary>The TLS alert the gateway sent, as the client's TLS library (OpenSSL under .NET) names it.</summary>
    private static void AssertAlert(Exception error, string alert) =>
        Assert.Contains(alert, error.ToString(), StringComparison.OrdinalIgnoreCase);

    [Fact]
    public async Task Passes_TLS_through_untouched_so_the_client_validates_the_upstream_certificate()
    {
        using var client = ClientThrough("tls");
        var response = await client.GetAsync($"https://a.example.test:{_https.HttpsPort}/echo");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("scheme=https\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_with_resolve_reaches_the_upstream_on_the_mapped_port()
    {
        var port = _gateway.EndPoint("tls").Port;
        var result = await ExternalTool.RunAsync("curl", "-sS", "--cacert", _caFile, "--resolve", $"a.example.test:{port}:127.0.0.1", $"https://a.example.test:{port}/echo");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("scheme=https", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_and_port_server_name_picks_the_upstream_port()
    {
        // The listener's UpstreamPort is the HTTPS upstream; the name's port sends this one to the echo server instead.
        var result = await ExternalTool.RunWithInputAsync("openssl", "ping\n",
            "s_client", "-connect", _gateway.EndPoint("tls").ToString(), "-servername", $"a.example.test:{_echo.Port}", "-quiet", "-ign_eof");
        // The echo server is not TLS: it echoes the ClientHello back, which openssl rejects as a bad record. What
        // matters is that the hello reached the echo server (so the port came from the name) rather than an alert from the gateway.
        Assert.DoesNotContain("alert number", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("unexpected message", result.Stderr, StringComparison.OrdinalIgnoreCase);

        var https = await ExternalTool.RunWithInputAsync("openssl", "GET /echo HTTP/1.1\r\nHost: a.example.test\r\nConnection: close\r\n\r\n",
            "s_client", "-connect", _gateway.EndPoint("tls").ToString(), "-servername", $"a.example.test:{_https.HttpsPort}", "-CAfile", _caFile, "-verify_return_error", "-quiet", "-ign_eof");
        Assert.Contains("scheme=https", https.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b.example.test")] // denied by a Deny rule
    [InlineData("x.other.test")]   // no Allow rule
    [InlineData("a..bad")]         // not a host name
    public async Task Refuses_names_that_are_not_allowed_with_an_unrecognized_name_alert(string name)
    {
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => TlsThroughAsync("tls", name));
        AssertAlert(error, "unrecognized name");
    }

    [Fact]
    public async Task Openssl_prints_the_alert_for_a_denied_name()
    {
        var result = await ExternalTool.RunAsync("openssl", "s_client", "-connect", _gateway.EndPoint("tls").ToString(), "-servername", "b.example.test", "-brief");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("unrecognized name", result.Stderr + result.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Refuses_a_hello_without_server_name_unless_the_listener_has_a_default()
    {
        using (var raw = await RawClient.ConnectAsync(_gateway.EndPoint("tls")))
        {
            await raw.SendAsync(ClientHelloSamples.ChromiumStyle(serverName: null));
            Assert.Equal(UnrecognizedNameAlert, await raw.ReadToEndAsync());
        }

        // The .NET client sends no SNI for an IP address; the "default" listener routes it to c.example.test.
        await using var tls = await TlsThroughAsync("default", "127.0.0.1", validate: (sender, certificate, chain, errors) =>
            TestCertificates.ValidateAgainstTestRoot(sender, certificate, chain, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.Equal("a.example.test", new X509Certificate2(tls.RemoteCertificate!).GetNameInfo(X509NameType.DnsName, false));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 40)] // not TLS: handshake_failure
    [InlineData("\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00", 50)] // a ServerHello: decode_error
    public async Task Answers_garbage_with_a_fatal_alert_and_keeps_serving(string garbage, byte alert)
    {
        using (var raw = await RawClient.ConnectAsync(_gateway.EndPoint("tls")))
        {
            await raw.SendAsync(Encoding.Latin1.GetBytes(garbage));
            Assert.Equal(new byte[] { 21, 3, 3, 0, 2, 2, alert }, await raw.ReadToEndAsync());
        }

        await Passes_TLS_through_untouched_so_the_client_validates_the_upstream_certificate();
    }

    [Fact]
    public async Task Refuses_a_server_name_entry_that_is_not_a_host_name_with_decode_error()
    {
        // An allowed host_name, followed by an entry of name_type 1: OpenSSL and BoringSSL refuse such a list.
        var list = ClientHelloSamples.Vector16([0, .. ClientHelloSamples.Vector16("a.example.test"u8.ToArray()), 1, .. ClientHelloSamples.Vector16("evil.test"u8.ToArray())]);
        using (var raw = await RawClient.ConnectAsync(_gateway.EndPoint("tls")))
        {
            await raw.SendAsync(ClientHelloSamples.ChromiumStyle(serverName: null, extraExtensions: [ClientHelloSamples.Extension(0, list)]));
            Assert.Equal(new byte[] { 21, 3, 3, 0, 2, 2, 50 }, await raw.ReadToEndAsync()); // fatal decode_error
        }

        await Passes_TLS_through_untouched_so_the_client_validates_the_upstream_certificate();
    }

    [Fact]
    public async Task Closes_a_connection_whose_ClientHello_stalls_past_the_timeout()
    {
        using var raw = await RawClient.ConnectAsync(_gateway.EndPoint("tls"));
        var hello = ClientHelloSamples.ChromiumStyle("a.example.test");
        await raw.SendAsync(hello[..100]);
        var started = DateTime.UtcNow;
        Assert.Empty(await raw.ReadToEndAsync());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Terminate_mode_sends_the_plain_bytes_inside_the_TLS_to_the_named_host()
    {
        await using var tls = await TlsThroughAsync("tcp-over-tls", "a.example.test");
        await tls.WriteAsync("ping over tls"u8.ToArray());
        var buffer = new byte[13];
        await tls.ReadExactlyAsync(buffer);
        Assert.Equal("ping over tls", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public async Task Terminate_mode_refuses_a_denied_name_before_the_handshake()
    {
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => TlsThroughAsync("tcp-over-tls", "b.example.test"));
        AssertAlert(error, "unrecognized name");
    }

    [Fact]
    public async Task Terminate_mode_with_a_client_CA_requires_a_client_certificate()
    {
        await using (var tls = await TlsThroughAsync("mtls", "a.example.test", TestCertificates.Client))
        {
            await tls.WriteAsync("mutual"u8.ToArray());
            var buffer = new byte[6];
            await tls.ReadExactlyAsync(buffer);
            Assert.Equal("mutual", Encoding.ASCII.GetString(buffer));
        }

        // Without a certificate the handshake fails, or (TLS 1.3) the server's refusal arrives at the first read.
        var refused = await Record.ExceptionAsync(async () =>
        {
            await using var tls = await TlsThroughAsync("mtls", "a.example.test");
            await tls.WriteAsync("x"u8.ToArray());
            var read = await tls.ReadAsync(new byte[1]);
            Assert.Equal(0, read);
            throw new IOException("closed without data");
        });
        Assert.True(refused is AuthenticationException or IOException, refused?.ToString());
    }

    [Fact]
    public async Task Terminate_mode_refuses_a_client_certificate_without_the_clientAuth_usage()
    {
        // From the trusted client CA, but made for servers only (serverAuth EKU): not a client certificate.
        using var serverOnly = TestCertificates.Issue("workload.test", "1.3.6.1.5.5.7.3.1");
        var refused = await Record.ExceptionAsync(async () =>
        {
            await using var tls = await TlsThroughAsync("mtls", "a.example.test", serverOnly);
            await tls.WriteAsync("x"u8.ToArray());
            Assert.Equal(0, await tls.ReadAsync(new byte[1]));
            throw new IOException("closed without data");
        });
        Assert.True(refused is AuthenticationException or IOException, refused?.ToString());
        Assert.Equal(0, _echo.Accepted);

        // No EKU extension at all is good for any use, as TLS stacks treat it; clientAuth beside serverAuth is fine too.
        foreach (var certificate in new[] { TestCertificates.Issue("workload.test"), TestCertificates.Issue("workload.test", "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2") })
        {
            using (certificate)
            {
                await using var tls = await TlsThroughAsync("mtls", "a.example.test", certificate);
                await tls.WriteAsync("usage"u8.ToArray());
                var buffer = new byte[5];
                await tls.ReadExactlyAsync(buffer);
                Assert.Equal("usage", Encoding.ASCII.GetString(buffer));
            }
        }

        Assert.Equal(2, _echo.Accepted);
    }
}
