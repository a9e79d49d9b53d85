using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Admin;

/// <summary>
/// The admin listener's Host check (DNS rebinding), on the real listener with raw requests: IP literals, localhost and
/// the names in <c>Egress:Admin:AllowedHosts</c> are answered; any other name gets 421.
/// </summary>
public sealed class AdminHostTests
{
    private static object Config(string[]? allowedHosts = null) => new
    {
        Egress = new
        {
            Listeners = new[] { new { Name = "proxy", Address = "127.0.0.1", Port = 0 } },
            Admin = new { Address = "127.0.0.1", Port = 0, AllowedHosts = allowedHosts ?? [] },
        },
    };

    private static async Task<(string Head, string Body)> GetAsync(TestGateway gateway, string path, string? host)
    {
        using var raw = await RawClient.ConnectAsync(gateway.Admin);
        var hostLine = host is null ? string.Empty : $"Host: {host}\r\n";
        return await raw.RequestAsync($"GET {path} HTTP/1.{(host is null ? 0 : 1)}\r\n{hostLine}Connection: close\r\n\r\n");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:9901")]
    [InlineData("localhost:9901")]
    [InlineData("LOCALHOST.")]
    [InlineData("[::1]:9901")]
    [InlineData("10.244.3.17:9901")] // a kubelet probe or a Prometheus scrape: the pod IP
    [InlineData(null)] // HTTP/1.0 without Host
    public async Task Answers_IP_literals_localhost_and_no_host(string? host)
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (head, body) = await GetAsync(gateway, "/healthz", host);
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal("ok\n", body);
    }

    [Theory]
    [InlineData("/config")]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    [InlineData("/")]
    [InlineData("/stats/destinations")]
    [InlineData("/stats/denials")]
    [InlineData("/stats/config")]
    [InlineData("/allowlist/suggested")]
    public async Task A_name_not_allowed_gets_421_on_every_path(string path)
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (head, body) = await GetAsync(gateway, path, "rebind.attacker.example:9901");
        Assert.StartsWith("HTTP/1.1 421", head, StringComparison.Ordinal);
        Assert.Equal("misdirected request: the admin listener answers IP addresses, localhost and the names in Egress:Admin:AllowedHosts\n", body);

        // Short IPv4 forms are names to this check, not addresses.
        (head, _) = await GetAsync(gateway, path, "127.1");
        Assert.StartsWith("HTTP/1.1 421", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listed_names_are_answered_and_the_list_reloads_live()
    {
        await using var gateway = await TestGateway.StartAsync(Config(["yarp-egress-admin.yarp-egress.svc"]));
        Assert.StartsWith("HTTP/1.1 200", (await GetAsync(gateway, "/healthz", "Yarp-Egress-Admin.yarp-egress.svc:9901")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 421", (await GetAsync(gateway, "/healthz", "other.yarp-egress.svc")).Head, StringComparison.Ordinal);

        Assert.True(await gateway.ReloadAsync(Config(["other.yarp-egress.svc"])));
        Assert.StartsWith("HTTP/1.1 200", (await GetAsync(gateway, "/healthz", "other.yarp-egress.svc")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 421", (await GetAsync(gateway, "/healthz", "yarp-egress-admin.yarp-egress.svc")).Head, StringComparison.Ordinal);

        Assert.True(await gateway.ReloadAsync(Config(["*"])));
        Assert.StartsWith("HTTP/1.1 200", (await GetAsync(gateway, "/healthz", "anything.example")).Head, StringComparison.Ordinal);
    }
}
