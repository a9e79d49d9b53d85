using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>curl as a second, independent client: `curl -x` for http and https, as a pod with HTTP(S)_PROXY would.</summary>
public sealed class CurlTests : IAsyncLifetime
{
    private HttpUpstream _upstream = null!;
    private TestGateway _gateway = null!;
    private string _caFile = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_upstream.HttpPort}", $"{_upstream.HttpsPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" }));
        _caFile = TestCertificates.WriteRootPem();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Curl_fetches_http_and_https_through_the_proxy()
    {
        var http = await ExternalTool.RunAsync("curl", "-sS", "-x", _gateway.ProxyUri.ToString(), $"http://a.example.test:{_upstream.HttpPort}/echo?via=curl");
        Assert.True(http.ExitCode == 0, http.Stderr);
        Assert.Contains("target=/echo?via=curl", http.Stdout, StringComparison.Ordinal);

        var https = await ExternalTool.RunAsync("curl", "-sS", "--cacert", _caFile, "-x", _gateway.ProxyUri.ToString(), $"https://a.example.test:{_upstream.HttpsPort}/echo");
        Assert.True(https.ExitCode == 0, https.Stderr);
        Assert.Contains("scheme=https", https.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_reports_the_refusal()
    {
        var https = await ExternalTool.RunAsync("curl", "-sS", "-x", _gateway.ProxyUri.ToString(), "https://denied.example.test/");
        Assert.NotEqual(0, https.ExitCode);
        Assert.Contains("403", https.Stderr, StringComparison.Ordinal);

        var http = await ExternalTool.RunAsync("curl", "-sS", "-x", _gateway.ProxyUri.ToString(), "http://denied.example.test/");
        Assert.Equal(0, http.ExitCode);
        Assert.Equal("no Allow rule matches 'denied.example.test:80'\n", http.Stdout);
    }
}
