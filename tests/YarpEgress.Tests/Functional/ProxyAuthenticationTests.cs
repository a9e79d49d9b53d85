using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Authentication;
using YarpEgress.Policy.Clients;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>Proxy credentials through the real listener: PBKDF2 work is counted by the derivation the gateway runs.</summary>
[Collection(MetricsCollection.Name)]
public sealed class ProxyAuthenticationTests : IAsyncLifetime
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Colleague = IPAddress.Parse("127.0.0.3");

    private readonly CountingDerivation _derivation = new();
    private readonly FakeTimeProvider _time = new();
    private HttpUpstream _upstream = null!;
    private TcpUpstream _echo = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _echo = TcpUpstream.Echo();
    }

    public async Task DisposeAsync()
    {
        await _echo.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private object Config(string hash)
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_upstream.HttpPort}", $"{_echo.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" }))!;
        config["Egress"]!["Clients"] = JsonSerializer.SerializeToNode(new[] { new { Name = "team", ProxyUser = "team", ProxyPasswordHash = hash } });
        return config;
    }

    private Task<TestGateway> StartAsync(string hash) => TestGateway.StartAsync(Config(hash), services =>
    {
        services.AddSingleton<IPasswordKeyDerivation>(_derivation);
        services.AddSingleton<TimeProvider>(_time);
    });

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    /// <summary>One CONNECT with the given credentials from the given source: the status line, the head, the body of a refusal.</summary>
    private async Task<(string Status, string Head, string Body)> ConnectAsync(TestGateway gateway, string credentials, IPAddress? from = null)
    {
        using var raw = await RawClient.ConnectAsync(gateway.Proxy, from);
        await raw.SendAsync($"CONNECT a.example.test:{_echo.Port} HTTP/1.1\r\nProxy-Authorization: {Basic(credentials)}\r\n\r\n");
        var head = await raw.ReadHeadAsync();
        var body = head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) ? string.Empty : Encoding.UTF8.GetString(await raw.ReadToEndAsync());
        return (head.Split("\r\n")[0], head, body);
    }

    [Fact]
    public async Task Verified_credentials_are_derived_once_for_many_requests_and_tunnels()
    {
        await using var gateway = await StartAsync(PasswordHash.Create("s3cret"));
        using var client = gateway.CreateClient();
        client.DefaultRequestHeaders.ProxyAuthorization = AuthenticationHeaderValue.Parse(Basic("team:s3cret"));
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/echo");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:s3cret")).Status);
        }

        Assert.Equal(1, _derivation.Count);
        var metrics = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.Equal(1, metrics.Value("egress_proxy_auth_total", ("result", "ok")));
        Assert.Equal(29, metrics.Value("egress_proxy_auth_total", ("result", "cached")));

        // Remembered for a lifetime only, on the keep-alive connection too.
        _time.Advance(VerifiedCredentialCache.Lifetime);
        using (var later = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/echo"))
        {
            Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        }

        Assert.Equal(2, _derivation.Count);
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:s3cret")).Status);
        Assert.Equal(2, _derivation.Count);
        Assert.Equal(1, _upstream.Connections); // every plain request went over one kept-alive connection
    }

    [Fact]
    public async Task Wrong_passwords_from_one_source_are_throttled_while_another_source_gets_through()
    {
        await using var gateway = await StartAsync(PasswordHash.Create("s3cret"));
        for (var i = 0; i <= SourceThrottle.FreeFailures; i++)
        {
            Assert.Equal("HTTP/1.1 407 Proxy Authentication Required", (await ConnectAsync(gateway, $"team:guess{i}", Attacker)).Status);
        }

        Assert.Equal(SourceThrottle.FreeFailures + 1, _derivation.Count);
        var (status, head, body) = await ConnectAsync(gateway, "team:guess-on", Attacker);
        Assert.Equal("HTTP/1.1 429 Too Many Requests", status);
        Assert.Contains("Retry-After: 1\r\n", head, StringComparison.Ordinal);
        Assert.Equal("too many failed or concurrent proxy authentications from 127.0.0.2; retry in 1 s\n", body);

        // Plain HTTP from the same source: the same answer, also without a derivation.
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy, Attacker))
        {
            await raw.SendAsync($"GET http://a.example.test:{_upstream.HttpPort}/ HTTP/1.1\r\nHost: a.example.test\r\nProxy-Authorization: {Basic("nobody:x")}\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 429", (await raw.ReadResponseAsync()).Head, StringComparison.Ordinal);
        }

        Assert.Equal(SourceThrottle.FreeFailures + 1, _derivation.Count);
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:s3cret", Colleague)).Status);
        Assert.Equal(SourceThrottle.FreeFailures + 2, _derivation.Count);
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:s3cret", Attacker)).Status); // verified: remembered

        _time.Advance(SourceThrottle.FirstBackoff); // the back-off is over: the next guess is checked again
        Assert.Equal("HTTP/1.1 407 Proxy Authentication Required", (await ConnectAsync(gateway, "team:guess-later", Attacker)).Status);
        Assert.Equal(SourceThrottle.FreeFailures + 3, _derivation.Count);

        var metrics = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.Equal(2, metrics.Value("egress_proxy_auth_total", ("result", "throttled")));
        Assert.Equal(SourceThrottle.FreeFailures + 2, metrics.Value("egress_proxy_auth_total", ("result", "failed")));
    }

    [Fact]
    public async Task An_unknown_user_runs_the_same_derivation_as_a_wrong_password()
    {
        await using var gateway = await StartAsync(PasswordHash.Create("s3cret"));
        Assert.Equal("HTTP/1.1 407 Proxy Authentication Required", (await ConnectAsync(gateway, "team:wrong")).Status);
        Assert.Equal("HTTP/1.1 407 Proxy Authentication Required", (await ConnectAsync(gateway, "nobody:wrong", Colleague)).Status);
        var calls = _derivation.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal((100_000, 16, 32), calls[0]);
        Assert.Equal(calls[0], calls[1]);
    }

    [Fact]
    public async Task A_reload_forgets_verified_credentials()
    {
        await using var gateway = await StartAsync(PasswordHash.Create("s3cret"));
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:s3cret")).Status);
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:s3cret")).Status);
        Assert.Equal(1, _derivation.Count);

        using var client = gateway.CreateClient(); // plain HTTP on one kept-alive connection, which remembers its credentials
        client.DefaultRequestHeaders.ProxyAuthorization = AuthenticationHeaderValue.Parse(Basic("team:s3cret"));
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/echo");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _derivation.Count);

        Assert.True(await gateway.ReloadAsync(Config(PasswordHash.Create("n3w"))));
        Assert.Equal("HTTP/1.1 407 Proxy Authentication Required", (await ConnectAsync(gateway, "team:s3cret")).Status); // the old password is gone
        using (var stale = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/echo"))
        {
            Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, stale.StatusCode); // on the kept-alive connection too
        }

        Assert.Equal(3, _derivation.Count);
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:n3w")).Status);
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:n3w")).Status);
        Assert.Equal(4, _derivation.Count);

        Assert.True(await gateway.ReloadAsync(Config(PasswordHash.Create("n3w")))); // the same password, hashed anew
        Assert.Equal("HTTP/1.1 200 Connection Established", (await ConnectAsync(gateway, "team:n3w")).Status);
        Assert.Equal(5, _derivation.Count);
    }
}
