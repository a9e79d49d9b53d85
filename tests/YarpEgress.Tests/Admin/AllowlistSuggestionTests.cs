using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Admin;

/// <summary>
/// The rollout the suggestion exists for: a gateway in Report mode carries traffic to many names, globally and for a
/// client; <c>/allowlist/suggested</c> (and the <c>suggest-allowlist</c> verb against the running gateway) answers a
/// config fragment; written into the config with Enforce, the same traffic is allowed, names the collapsed patterns
/// cover are too, and other names are denied. IP literals, internal names and names the address policy refused are
/// never suggested.
/// </summary>
public sealed class AllowlistSuggestionTests
{
    private static readonly IPAddress TeamA = IPAddress.Parse("127.0.0.2");

    private static readonly string[] GlobalNames =
    [
        "a.img.example.com", "b.img.example.com", "c.img.example.com",
        "p.eu.data.example.net", "q.us.data.example.net", "r.ap.data.example.net",
        "solo.example.org", "one.pair.example.com", "two.pair.example.com",
    ];

    private static readonly string[] TeamNames = ["x.team.example.io", "y.team.example.io", "z.team.example.io", "solo.example.org"];

    /// <summary>Names first asked under Enforce: the first two only a collapsed pattern covers.</summary>
    private static readonly string[] LaterNames = ["d.img.example.com", "s.x.y.data.example.net", "evil.example.com", "a.b.img.example.com"];

    private static JsonNode Config(string mode, JsonNode? allow = null, JsonNode? teamAllow = null)
    {
        var pins = GlobalNames.Concat(TeamNames).Concat(LaterNames).Append("db.internal").Distinct().ToDictionary(n => n, _ => "127.0.0.1");
        pins["refused.example.com"] = "127.0.0.9"; // loopback, but outside PrivateNetworks:Allow: refused before any dial
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(allow: [], hosts: pins, mode: mode, privateAllow: ["127.0.0.1/32"]))!;
        config["Egress"]!["Allow"] = allow?.DeepClone() ?? new JsonArray();
        config["Egress"]!["Clients"] = new JsonArray(new JsonObject
        {
            ["Name"] = "team-a",
            ["Sources"] = new JsonArray("127.0.0.2/32"),
            ["Allow"] = teamAllow?.DeepClone() ?? new JsonArray(),
        });
        return config;
    }

    [Fact]
    public async Task Report_mode_traffic_becomes_an_allowlist_that_Enforce_then_keeps_to()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(Config("Report"));
        await AllPassAsync(gateway, echo.Port);
        Assert.Equal(200, await ConnectAsync(gateway, $"solo.example.org:{echo.Port}"));

        // Never suggested: an IP literal, an internal name, a name whose address the address policy refuses.
        Assert.Equal(200, await ConnectAsync(gateway, $"127.0.0.1:{echo.Port}"));
        Assert.Equal(200, await ConnectAsync(gateway, $"db.internal:{echo.Port}"));
        Assert.Equal(403, await ConnectAsync(gateway, $"refused.example.com:{echo.Port}"));

        using var http = DirectHttp.Create();
        var suggestion = JsonNode.Parse(await http.GetStringAsync($"http://{gateway.Admin}/allowlist/suggested"))!;
        var fragment = suggestion["Egress"]!;
        JsonArray ports = [echo.Port];
        Assert.Equal(
            Rules(ports, "**.data.example.net", "*.img.example.com", "one.pair.example.com", "solo.example.org", "two.pair.example.com").ToJsonString(),
            fragment["Allow"]!.ToJsonString());
        var team = Assert.Single(fragment["Clients"]!.AsArray())!;
        Assert.Equal("team-a", team["Name"]!.GetValue<string>());
        Assert.Equal(Rules(ports, "*.team.example.io", "solo.example.org").ToJsonString(), team["Allow"]!.ToJsonString());

        // The evidence: what each rule covers and how it was decided.
        var rules = suggestion["rules"]!.AsArray();
        var img = Assert.Single(rules, r => r!["host"]!.GetValue<string>() == "*.img.example.com" && r["client"] is null)!;
        Assert.Equal("""["a.img.example.com","b.img.example.com","c.img.example.com"]""", img["names"]!.ToJsonString());
        Assert.Equal((3, 0, 3, 0), (img["connections"]!.GetValue<int>(), img["allowed"]!.GetValue<int>(), img["reported"]!.GetValue<int>(), img["denied"]!.GetValue<int>()));
        var solo = Assert.Single(rules, r => r!["host"]!.GetValue<string>() == "solo.example.org" && r["client"] is null)!;
        Assert.Equal(2, solo["reported"]!.GetValue<int>());
        var omitted = suggestion["omitted"]!;
        Assert.Equal((1, 1, """["refused.example.com"]""", 0), (omitted["ipLiteralDecisions"]!.GetValue<int>(), omitted["internalNameDecisions"]!.GetValue<int>(),
            omitted["addressRefusedNames"]!.ToJsonString(), omitted["untrackedDecisions"]!.GetValue<int>()));
        Assert.Equal(3, suggestion["minSiblings"]!.GetValue<int>());

        // The CLI verb, as its own process, against the running gateway: the same fragment on standard output.
        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync("suggest-allowlist", "--from", $"http://{gateway.Admin}");
        Assert.True(exitCode == 0, stderr);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["Egress"] = fragment.DeepClone() }, JsonNode.Parse(stdout)), stdout);
        Assert.Contains($"# *.img.example.com ports [{echo.Port}]: 3 name(s), 3 connection(s) (allowed 0, reported 3, denied 0)", stderr, StringComparison.Ordinal);
        Assert.Contains($"# client team-a: *.team.example.io ports [{echo.Port}]", stderr, StringComparison.Ordinal);

        // Apply it with Enforce: the same traffic passes, names the patterns cover pass, everything else is denied.
        Assert.True(await gateway.ReloadAsync(Config("Enforce", fragment["Allow"], team["Allow"])));
        await AllPassAsync(gateway, echo.Port);

        Assert.Equal(200, await ConnectAsync(gateway, $"d.img.example.com:{echo.Port}"));
        Assert.Equal(200, await ConnectAsync(gateway, $"s.x.y.data.example.net:{echo.Port}"));
        Assert.Equal(403, await ConnectAsync(gateway, $"evil.example.com:{echo.Port}"));
        Assert.Equal(403, await ConnectAsync(gateway, $"a.b.img.example.com:{echo.Port}")); // '*' is one label
        Assert.Equal(403, await ConnectAsync(gateway, $"a.img.example.com:{echo.Port + 1}")); // a port never used
        Assert.Equal(403, await ConnectAsync(gateway, $"x.team.example.io:{echo.Port}")); // team-a's name, asked by another client
        Assert.Equal(403, await ConnectAsync(gateway, $"db.internal:{echo.Port}"));
        Assert.Equal(403, await ConnectAsync(gateway, $"127.0.0.1:{echo.Port}"));
    }

    [Fact]
    public async Task The_verb_says_what_is_wrong_when_it_cannot_get_a_suggestion()
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: []));
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync("suggest-allowlist");
        Assert.Equal((2, "suggest-allowlist: give the admin listener's URL\nusage: YarpEgress suggest-allowlist --from http://ADMIN-HOST:PORT\n"), (exitCode, stderr));

        (exitCode, _, stderr) = await GatewayProcess.RunAsync("suggest-allowlist", "--from", "ftp://127.0.0.1/");
        Assert.Equal(2, exitCode);
        Assert.StartsWith("suggest-allowlist: 'ftp://127.0.0.1/' is not an http:// or https:// URL", stderr, StringComparison.Ordinal);

        (exitCode, _, stderr) = await GatewayProcess.RunAsync("suggest-allowlist", "--from", $"http://{gateway.Admin}/healthz");
        Assert.Equal((1, $"suggest-allowlist: http://{gateway.Admin}/healthz did not answer with a suggestion (no \"Egress\" object): ok\n"), (exitCode, stderr));

        (exitCode, _, stderr) = await GatewayProcess.RunAsync("suggest-allowlist", "--from", $"http://{gateway.Admin}/nothing");
        Assert.Equal(1, exitCode);
        Assert.StartsWith($"suggest-allowlist: http://{gateway.Admin}/nothing answered 404: not found", stderr, StringComparison.Ordinal);

        using var closed = new ClosedPort();
        (exitCode, _, stderr) = await GatewayProcess.RunAsync("suggest-allowlist", "--from", $"http://127.0.0.1:{closed.Port}");
        Assert.Equal(1, exitCode);
        Assert.StartsWith($"suggest-allowlist: cannot fetch http://127.0.0.1:{closed.Port}/allowlist/suggested: ", stderr, StringComparison.Ordinal);
    }

    /// <summary>The traffic of the test: every global name from 127.0.0.1, every team name from team-a's address.</summary>
    private static async Task AllPassAsync(TestGateway gateway, int port)
    {
        foreach (var (name, from) in GlobalNames.Select(n => (n, IPAddress.Loopback)).Concat(TeamNames.Select(n => (n, TeamA))))
        {
            Assert.True(await ConnectAsync(gateway, $"{name}:{port}", from) == 200, $"{name} from {from}");
        }
    }

    private static JsonArray Rules(JsonArray ports, params string[] hosts) =>
        [.. hosts.Select(h => (JsonNode)new JsonObject { ["Host"] = h, ["Ports"] = ports.DeepClone() })];

    /// <summary>One CONNECT: its status code; an open tunnel is closed again at once.</summary>
    private static async Task<int> ConnectAsync(TestGateway gateway, string authority, IPAddress? from = null)
    {
        using var raw = await RawClient.ConnectAsync(gateway.Proxy, from);
        await raw.SendAsync($"CONNECT {authority} HTTP/1.1\r\n\r\n");
        var head = await raw.ReadHeadAsync();
        return int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}
