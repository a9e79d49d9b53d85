using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Policy.Clients;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>Two teams on one gateway: clients by source address (127.0.0.2 vs .3) and by Basic proxy credentials.</summary>
public sealed class ClientPolicyTests
{
    private static readonly IPAddress TeamA = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress TeamB = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress Ci = IPAddress.Parse("127.0.0.4");

    private static async Task<(string Head, string Body)> ConnectFromAsync(TestGateway gateway, IPAddress from, string authority, string? credentials = null)
    {
        using var raw = await RawClient.ConnectAsync(gateway.Proxy, from);
        var auth = credentials is null ? string.Empty : $"Proxy-Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials))}\r\n";
        await raw.SendAsync($"CONNECT {authority} HTTP/1.1\r\n{auth}\r\n");
        var head = await raw.ReadHeadAsync();
        return head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) ? (head, string.Empty) : (head, Encoding.UTF8.GetString(await raw.ReadToEndAsync()));
    }

    [Fact]
    public async Task Each_client_gets_its_own_rules_on_top_of_the_global_ones()
    {
        await using var echo = TcpUpstream.Echo();
        var ports = new[] { $"{echo.Port}" };
        var config = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "global.example.test", Ports = ports }],
            deny: [new { Host = "blocked.example.test" }],
            hosts: new Dictionary<string, string>
            {
                ["global.example.test"] = "127.0.0.1", ["a-only.example.test"] = "127.0.0.1", ["ci.example.test"] = "127.0.0.1", ["blocked.example.test"] = "127.0.0.1",
            }))!;
        config["Egress"]!["Clients"] = System.Text.Json.JsonSerializer.SerializeToNode(new object[]
        {
            new { Name = "team-a", Sources = new[] { "127.0.0.2" }, Allow = new[] { new { Host = "a-only.example.test", Ports = ports }, new { Host = "blocked.example.test", Ports = ports } } },
            new { Name = "team-b", Sources = new[] { "127.0.0.3" }, Deny = new[] { new { Host = "global.example.test" } } },
            new { Name = "ci", Sources = new[] { "127.0.0.4" }, ProxyUser = "ci", ProxyPasswordHash = PasswordHash.Create("s3cret"), Allow = new[] { new { Host = "ci.example.test", Ports = ports } } },
        });
        await using var gateway = await TestGateway.StartAsync(config, services => services.AddLogging(b => b.AddFakeLogging()));

        Assert.StartsWith("HTTP/1.1 200", (await ConnectFromAsync(gateway, TeamA, $"a-only.example.test:{echo.Port}")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", (await ConnectFromAsync(gateway, TeamA, $"global.example.test:{echo.Port}")).Head, StringComparison.Ordinal);
        Assert.Equal("denied by Deny rule 'blocked.example.test'\n", (await ConnectFromAsync(gateway, TeamA, $"blocked.example.test:{echo.Port}")).Body); // a global Deny wins
        Assert.Equal($"no Allow rule matches 'a-only.example.test:{echo.Port}'\n", (await ConnectFromAsync(gateway, TeamB, $"a-only.example.test:{echo.Port}")).Body);
        Assert.Equal("denied by Deny rule 'global.example.test'\n", (await ConnectFromAsync(gateway, TeamB, $"global.example.test:{echo.Port}")).Body);

        var (missing, _) = await ConnectFromAsync(gateway, Ci, $"ci.example.test:{echo.Port}");
        Assert.StartsWith("HTTP/1.1 407", missing, StringComparison.Ordinal);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"yarp-egress\"", missing, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 407", (await ConnectFromAsync(gateway, Ci, $"ci.example.test:{echo.Port}", "ci:wrong")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", (await ConnectFromAsync(gateway, Ci, $"ci.example.test:{echo.Port}", "ci:s3cret")).Head, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 403", (await ConnectFromAsync(gateway, TeamA, $"ci.example.test:{echo.Port}", "ci:s3cret")).Head, StringComparison.Ordinal);

        // Plain HTTP: the same 407 with its challenge.
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy, Ci))
        {
            await raw.SendAsync("GET http://ci.example.test/ HTTP/1.1\r\nHost: ci.example.test\r\n\r\n");
            var (head, _) = await raw.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 407", head, StringComparison.Ordinal);
            Assert.Contains("Proxy-Authenticate: Basic realm=\"yarp-egress\"", head, StringComparison.Ordinal);
        }

        // The client's name is in the access log.
        var collector = gateway.Services.GetFakeLogCollector();
        for (var i = 0; i < 100 && collector.GetSnapshot().Count(r => r.Category == "YarpEgress.AccessLog") < 10; i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(collector.GetSnapshot(), r => r.Category == "YarpEgress.AccessLog"
            && r.StructuredState!.Any(kv => kv.Key == "ClientName" && kv.Value == "ci")
            && r.StructuredState!.Any(kv => kv.Key == "Decision" && kv.Value == "allowed"));
    }

    [Fact]
    public async Task Routes_reload_with_the_config()
    {
        await using var first = TcpUpstream.Echo();
        await using var second = TcpUpstream.Echo();
        object Config(int port)
        {
            var node = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(allow: [new { Host = "moving.example.test", Ports = new[] { "443" } }]))!;
            node["Egress"]!["Routes"] = System.Text.Json.JsonSerializer.SerializeToNode(new[] { new { Host = "moving.example.test", Upstream = $"127.0.0.1:{port}" } });
            return node;
        }

        await using var gateway = await TestGateway.StartAsync(Config(first.Port));
        Assert.StartsWith("HTTP/1.1 200", (await RawClient.ConnectOnceAsync(gateway.Proxy, "moving.example.test:443")).Head, StringComparison.Ordinal);
        Assert.True(await gateway.ReloadAsync(Config(second.Port)));
        Assert.StartsWith("HTTP/1.1 200", (await RawClient.ConnectOnceAsync(gateway.Proxy, "moving.example.test:443")).Head, StringComparison.Ordinal);
        Assert.Equal(1, first.Accepted);
        Assert.Equal(1, second.Accepted);
    }
}
