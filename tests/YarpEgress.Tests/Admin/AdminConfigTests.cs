using System.Text.Json;
using YarpEgress.Configuration;
using YarpEgress.Policy.Clients;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Admin;

/// <summary><c>/config</c> on the real admin listener: no secret in it, enums by name, and what is in force.</summary>
public sealed class AdminConfigTests
{
    private const string ViaAuthorization = "Basic cGFyZW50OnRvcHNlY3JldA==";

    private static readonly string Hash = PasswordHash.Create("topsecret");

    private static object Config(object[]? listeners = null) => new
    {
        Egress = new
        {
            Listeners = listeners ?? [new { Name = "proxy", Address = "127.0.0.1", Port = 0 }],
            Admin = new { Address = "127.0.0.1", Port = 0 },
            Allow = new[] { new { Host = "a.example.test" } },
            Routes = new[] { new { Host = "a.example.test", Via = "http://parent.example.test:3128", ViaAuthorization } },
            Clients = new[] { new { Name = "team-a", ProxyUser = "team-a", ProxyPasswordHash = Hash } },
            Dns = new { Family = "V4First" },
        },
    };

    private static async Task<(string Text, JsonElement Json)> GetConfigAsync(TestGateway gateway)
    {
        using var http = DirectHttp.Create();
        var text = await http.GetStringAsync($"http://{gateway.Admin}/config");
        return (text, JsonDocument.Parse(text).RootElement);
    }

    [Fact]
    public async Task Config_redacts_every_secret_and_names_enums()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (text, config) = await GetConfigAsync(gateway);

        Assert.DoesNotContain("cGFyZW50OnRvcHNlY3JldA", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Hash.Split('$')[^1], text, StringComparison.Ordinal);
        Assert.DoesNotContain("pbkdf2", text, StringComparison.Ordinal);
        Assert.Contains("\"viaAuthorization\": \"<redacted>\"", text, StringComparison.Ordinal); // as a person reads it with curl
        var route = config.GetProperty("routes")[0];
        Assert.Equal(SecretAttribute.Redacted, route.GetProperty("viaAuthorization").GetString());
        Assert.Equal("http://parent.example.test:3128", route.GetProperty("via").GetString());
        var client = config.GetProperty("clients")[0];
        Assert.Equal(SecretAttribute.Redacted, client.GetProperty("proxyPasswordHash").GetString());
        Assert.Equal("team-a", client.GetProperty("proxyUser").GetString());

        Assert.Equal("Enforce", config.GetProperty("mode").GetString());
        Assert.Equal("V4First", config.GetProperty("dns").GetProperty("family").GetString());
        Assert.Equal("Http", config.GetProperty("listeners")[0].GetProperty("protocol").GetString());
        Assert.Equal("Enforce", config.GetProperty("allow")[0].GetProperty("mode").GetString());
    }

    [Fact]
    public async Task After_a_listener_change_config_shows_the_bound_listeners_and_what_waits_for_a_restart()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        var (_, before) = await GetConfigAsync(gateway);
        Assert.Equal(gateway.Proxy.Port, before.GetProperty("listeners")[0].GetProperty("port").GetInt32()); // the port the OS picked for 0
        Assert.Equal(gateway.Admin.Port, before.GetProperty("admin").GetProperty("port").GetInt32());
        Assert.Equal(0, before.GetProperty("pendingRestart").GetArrayLength());

        var moved = Config(listeners:
        [
            new { Name = "proxy", Address = "127.0.0.2", Port = 3999 },
            new { Name = "extra", Address = "127.0.0.1", Port = 0 },
        ]);
        Assert.True(await gateway.ReloadAsync(moved));

        var (_, after) = await GetConfigAsync(gateway);
        var listener = Assert.Single(after.GetProperty("listeners").EnumerateArray());
        Assert.Equal("127.0.0.1", listener.GetProperty("address").GetString());
        Assert.Equal(gateway.Proxy.Port, listener.GetProperty("port").GetInt32());
        Assert.Equal(
            [
                "Egress:Listeners:0:Address: 127.0.0.2 in the config; 127.0.0.1 at start-up, in force until a restart",
                "Egress:Listeners:0:Port: 3999 in the config; 0 at start-up, in force until a restart",
                "Egress:Listeners:1: 'extra' is new; it is bound after a restart",
            ],
            after.GetProperty("pendingRestart").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(SecretAttribute.Redacted, after.GetProperty("routes")[0].GetProperty("viaAuthorization").GetString());
    }
}
