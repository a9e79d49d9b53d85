using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// For each recipe, what its sidecar (or its proxy-aware app) would send, against the gateway started with the
/// recipe's own egress.json. The names come from the recipe's VirtualServices and DestinationRules.
/// </summary>
public sealed class RecipeTrafficTests
{
    /// <summary>Every TLS route to the gateway: (recipe, gateway port, a server name its sniHosts match).</summary>
    public static TheoryData<string, int, string> TlsRoutes() => Data(Routes("tls").SelectMany(r => r.Route.Items("match")
        .SelectMany(m => m.Items("sniHosts")).Select(h => (r.Recipe, r.Port, Concrete(h.GetValue<string>())))));

    /// <summary>Every TCP route to the terminating listener: (recipe, gateway port, the DestinationRule's sni host:port).</summary>
    public static TheoryData<string, int, string> TcpRoutes() => Data(Routes("tcp").Select(r => (r.Recipe, r.Port,
        ManifestFiles.In(r.Recipe).Where(d => d.Kind == "DestinationRule").SelectMany(d => d.Json.Items("spec", "trafficPolicy", "portLevelSettings"))
            .Single(s => s.Text("port", "number") == $"{r.Port}").Text("tls", "sni")!)));

    internal static TheoryData<string, int, string> Data(IEnumerable<(string, int, string)> rows)
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (a, b, c) in rows)
        {
            data.Add(a, b, c);
        }

        return data;
    }

    /// <summary>
    /// A passthrough SNI route: the sidecar forwards the app's own ClientHello (server name from sniHosts) to the SNI
    /// listener; the app gets the upstream's certificate, so TLS is end to end, and a denied name gets an alert.
    /// </summary>
    [Theory]
    [MemberData(nameof(TlsRoutes))]
    public async Task A_tls_route_with_sniHosts_reaches_the_upstream_end_to_end(string recipe, int port, string serverName)
    {
        await using var https = await HttpUpstream.StartAsync();
        await using var gateway = await RecipeGateway.StartAsync(recipe, [(serverName, UpstreamPort(recipe, port), https.HttpsPort)]);
        await using var tls = await TlsAsync(gateway.Listener(port), serverName);
        Assert.Equal(TestCertificates.Server.Thumbprint, new X509Certificate2(tls.RemoteCertificate!).Thumbprint);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /echo HTTP/1.1\r\nHost: {serverName}\r\nConnection: close\r\n\r\n"));
        var response = await new StreamReader(tls).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains($"host: {serverName}\n", response, StringComparison.Ordinal);
        Assert.Contains("scheme=https\n", response, StringComparison.Ordinal);

        foreach (var denied in gateway.Egress.Items("Deny").Select(d => d.Text("Host")!))
        {
            var error = await Assert.ThrowsAsync<AuthenticationException>(() => TlsAsync(gateway.Listener(port), denied));
            Assert.Contains("unrecognized name", error.ToString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>TLS originated by the sidecar with <c>sni: host:port</c>: the gateway terminates it and sends the plain bytes on.</summary>
    [Theory]
    [MemberData(nameof(TcpRoutes))]
    public async Task A_tcp_route_wrapped_in_TLS_with_a_host_and_port_server_name_reaches_that_port(string recipe, int port, string sni)
    {
        var (host, target) = (sni[..sni.LastIndexOf(':')], int.Parse(sni[(sni.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await RecipeGateway.StartAsync(recipe, [(host, target, echo.Port)]);
        await using var tls = await TlsAsync(gateway.Listener(port), sni);
        Assert.Equal(TestCertificates.Server.Thumbprint, new X509Certificate2(tls.RemoteCertificate!).Thumbprint); // the mounted Secret's
        await tls.WriteAsync("any protocol at all"u8.ToArray());
        var buffer = new byte[19];
        await tls.ReadExactlyAsync(buffer);
        Assert.Equal("any protocol at all", Encoding.ASCII.GetString(buffer));
        Assert.Equal(1, echo.Accepted);

        // The same listener refuses a name:port the allowlist does not have.
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => TlsAsync(gateway.Listener(port), $"{host}:{target + 1}"));
        Assert.Contains("unrecognized name", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A proxy-aware app (proxy variables): absolute-form HTTP and a CONNECT tunnel, to the hosts its recipe allows.</summary>
    [Theory]
    [InlineData("k8s/istio/proxy-connect", "www.qq.com")]
    [InlineData("k8s/istio/plain-proxy-env", "example.com")]
    public async Task A_proxy_aware_app_sends_absolute_form_HTTP_and_CONNECT(string recipe, string host)
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await RecipeGateway.StartAsync(recipe, [(host, 80, upstream.HttpPort), (host, 443, upstream.HttpsPort)]);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy($"http://{gateway.Listener(3128)}"),
            UseProxy = true,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => IsTestServer(certificate) },
        });
        var plain = await client.GetAsync($"http://{host}/echo?via=proxy");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        var body = await plain.Content.ReadAsStringAsync();
        Assert.Contains("target=/echo?via=proxy\n", body, StringComparison.Ordinal);
        Assert.Contains($"host: {host}\n", body, StringComparison.Ordinal);
        var tunnelled = await client.GetAsync($"https://{host}/echo");
        Assert.Contains("scheme=https\n", await tunnelled.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var denied = await client.GetAsync("http://not-allowed.example/");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    /// <summary>The recipe's UpstreamTls route, asked with absolute-form (a proxy-aware app): the request leaves as HTTPS.</summary>
    [Fact]
    public async Task The_tls_origination_route_sends_plain_HTTP_on_as_HTTPS()
    {
        await using var https = await HttpUpstream.StartAsync();
        var host = Routes("http").Single(r => r.Recipe.EndsWith("tls-origination", StringComparison.Ordinal)).Hosts.Single();
        await using var gateway = await RecipeGateway.StartAsync("k8s/istio/tls-origination", [], https.HttpsPort);
        using var raw = await RawClient.ConnectAsync(gateway.Listener(3128));
        var (head, body) = await raw.RequestAsync($"GET http://{host}/echo?bucket=key HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("scheme=https\n", body, StringComparison.Ordinal);
        Assert.Contains("target=/echo?bucket=key\n", body, StringComparison.Ordinal);
        Assert.Contains($"host: {host}", body, StringComparison.Ordinal);
        Assert.Equal(1, https.Connections);
    }

    internal static IEnumerable<(string Recipe, int Port, JsonNode Route, IReadOnlyList<string> Hosts)> Routes(string kind) =>
        ManifestFiles.Recipes.SelectMany(recipe => ManifestFiles.In(recipe).Where(d => d.Kind == "VirtualService")
            .SelectMany(d => d.Json.Items("spec", kind).Select(route => (recipe,
                int.Parse(route.Items("route").Single().Text("destination", "port", "number")!, CultureInfo.InvariantCulture),
                route, (IReadOnlyList<string>)[.. d.Json.Items("spec", "hosts").Select(h => Concrete(h.GetValue<string>()))]))));

    /// <summary>A name an Istio host or sniHosts entry matches: <c>*.qq.com</c> stands for <c>www.qq.com</c>.</summary>
    internal static string Concrete(string istioHost) => istioHost.StartsWith("*.", StringComparison.Ordinal) ? "www" + istioHost[1..] : istioHost;

    private static int UpstreamPort(string recipe, int port)
    {
        var listener = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf(recipe, "egress.json"))).Items("Egress", "Listeners").Single(l => l.Text("Port") == $"{port}");
        return int.Parse(listener.Text("UpstreamPort") ?? $"{port}", CultureInfo.InvariantCulture);
    }

    /// <summary>The names are pinned to a loopback upstream, so the certificate cannot name them; it must be the test server's own.</summary>
    private static bool IsTestServer(X509Certificate? certificate) =>
        certificate is not null && new X509Certificate2(certificate).Thumbprint == TestCertificates.Server.Thumbprint;

    private static async Task<SslStream> TlsAsync(IPEndPoint endPoint, string serverName)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => IsTestServer(certificate),
            });
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }
}
