using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Admin;

/// <summary>
/// The page's document and headers, and the JSON feeds behind it on the real admin listener: top destinations by
/// bytes, recent denials with rule and client, the config generation through good and rejected reloads, and bounds that
/// hold under a flood of random names.
/// </summary>
public sealed partial class AdminStatsTests
{
    private static readonly Dictionary<string, string> Pins = new() { ["a.example.com"] = "127.0.0.1", ["b.example.com"] = "127.0.0.1" };

    [Fact]
    public async Task The_page_is_one_document_whose_policy_admits_only_its_own_inline_script_and_style()
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: []));
        using var http = DirectHttp.Create();
        using var response = await http.GetAsync($"http://{gateway.Admin}/");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-store", Header(response, "Cache-Control"));

        var policy = Header(response, "Content-Security-Policy");
        Assert.Equal(
            $"default-src 'none'; script-src '{Sha256(Inline(html, "script"))}'; style-src '{Sha256(Inline(html, "style"))}'; " +
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", policy);

        // Nothing external: no src or href that leaves the origin, no second script or style.
        Assert.DoesNotMatch(@"(src|href)\s*=\s*""?(https?:)?//", html);
        Assert.Single(Regex.Matches(html, "<script"));
        Assert.Single(Regex.Matches(html, "<style"));

        // Destinations are the requester's strings: the script writes text, never markup.
        foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function" })
        {
            Assert.DoesNotContain(sink, html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Destinations_are_ranked_by_bytes_with_live_tunnels_counted_and_denials_name_rule_and_client()
    {
        await using var echo = TcpUpstream.Echo();
        var ports = new[] { $"{echo.Port}" };
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "*.example.com", Ports = ports }],
            deny: [new { Host = "b.example.com", Ports = new[] { "443" } }],
            hosts: Pins));
        await EchoAsync(gateway, $"a.example.com:{echo.Port}", 1000, close: true);
        using var live = await EchoAsync(gateway, $"b.example.com:{echo.Port}", 3000, close: false);
        var (head, _) = await RawClient.ConnectOnceAsync(gateway.Proxy, "b.example.com:443");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
        (head, _) = await RawClient.ConnectOnceAsync(gateway.Proxy, "elsewhere.example.org:443");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);

        using var http = DirectHttp.Create();
        JsonElement top = default;
        Assert.True(await PollAsync(async () =>
        {
            top = JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/stats/destinations")).RootElement;
            return top.GetProperty("destinations").GetArrayLength() == 2
                   && top.GetProperty("destinations")[0].GetProperty("bytes").GetInt64() == 6000
                   && top.GetProperty("destinations")[1].GetProperty("bytes").GetInt64() == 2000;
        }), top.ToString());
        var first = top.GetProperty("destinations")[0];
        Assert.Equal(($"b.example.com:{echo.Port}", 3000L, 3000L, 1L, 1), (first.GetProperty("destination").GetString(), first.GetProperty("bytesFromClient").GetInt64(),
            first.GetProperty("bytesToClient").GetInt64(), first.GetProperty("connections").GetInt64(), first.GetProperty("live").GetInt32()));
        Assert.Equal(0, top.GetProperty("destinations")[1].GetProperty("live").GetInt32());
        Assert.Equal((1, 1000, 0L), (top.GetProperty("tracked").GetInt32(), top.GetProperty("capacity").GetInt32(), top.GetProperty("evicted").GetInt64()));
        Assert.Equal(1, JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/stats/destinations?top=1")).RootElement.GetProperty("destinations").GetArrayLength());

        var denials = JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/stats/denials")).RootElement;
        Assert.Equal(2, denials.GetProperty("total").GetInt64());
        var newest = denials.GetProperty("denials")[0];
        Assert.Equal(("elsewhere.example.org:443", "denied", "no_match", "connect", "proxy"), (newest.GetProperty("destination").GetString(), newest.GetProperty("decision").GetString(),
            newest.GetProperty("rule").GetString(), newest.GetProperty("protocol").GetString(), newest.GetProperty("listener").GetString()));
        var older = denials.GetProperty("denials")[1];
        Assert.Equal(("b.example.com:443", "b.example.com", "denied by Deny rule 'b.example.com'"),
            (older.GetProperty("destination").GetString(), older.GetProperty("rule").GetString(), older.GetProperty("reason").GetString()));
        Assert.StartsWith("127.0.0.1:", older.GetProperty("client").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("-1")]
    public async Task A_bad_top_count_is_a_400_that_says_the_range(string top)
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: []));
        using var http = DirectHttp.Create();
        using var response = await http.GetAsync($"http://{gateway.Admin}/stats/destinations?top={top}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"top must be a number from 1 to 1000, got '{top}'\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_config_generation_counts_reloads_taken_and_rejected_ones_apart()
    {
        var config = TestGateway.Config(allow: [new { Host = "a.example.com" }]);
        await using var gateway = await TestGateway.StartAsync(config);
        using var http = DirectHttp.Create();
        var start = await ConfigStatsAsync(http, gateway);
        Assert.Equal((1L, 0L, "Enforce", 1, 0), (start.GetProperty("generation").GetInt64(), start.GetProperty("rejected").GetInt64(),
            start.GetProperty("mode").GetString(), start.GetProperty("ruleCount").GetInt32(), start.GetProperty("clients").GetInt32()));
        Assert.Equal(JsonValueKind.Null, start.GetProperty("lastRejectedAt").ValueKind);

        Assert.True(await gateway.ReloadAsync(TestGateway.Config(allow: [new { Host = "a.example.com" }, new { Host = "b.example.com" }], mode: "Report")));
        var reloaded = await ConfigStatsAsync(http, gateway);
        Assert.Equal((2L, "Report", 2), (reloaded.GetProperty("generation").GetInt64(), reloaded.GetProperty("mode").GetString(), reloaded.GetProperty("ruleCount").GetInt32()));
        Assert.True(reloaded.GetProperty("loadedAt").GetDateTimeOffset() >= start.GetProperty("loadedAt").GetDateTimeOffset());
        Assert.Equal(start.GetProperty("startedAt").GetDateTimeOffset(), reloaded.GetProperty("startedAt").GetDateTimeOffset());

        Assert.False(await gateway.ReloadAsync(TestGateway.Config(allow: [new { Host = "*.*x" }, new { Host = "" }])));
        var rejected = await ConfigStatsAsync(http, gateway);
        Assert.Equal((2L, 1L, 2), (rejected.GetProperty("generation").GetInt64(), rejected.GetProperty("rejected").GetInt64(), rejected.GetProperty("lastRejectedErrors").GetInt32()));
        Assert.Equal(reloaded.GetProperty("loadedAt").GetDateTimeOffset(), rejected.GetProperty("loadedAt").GetDateTimeOffset());
        Assert.NotEqual(JsonValueKind.Null, rejected.GetProperty("lastRejectedAt").ValueKind);
    }

    /// <summary>A flood of random names (all denied, so nothing is resolved) grows no list past its cap.</summary>
    [Fact]
    public async Task A_flood_of_random_names_stays_within_every_cap()
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(allow: []))!;
        config["Egress"]!["Suggest"] = JsonSerializer.SerializeToNode(new { MaxNames = 20 });
        await using var gateway = await TestGateway.StartAsync(config);
        const int Flood = 300;
        for (var i = 0; i < Flood; i++)
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await raw.SendAsync($"CONNECT r{Guid.NewGuid():N}.flood.example.com:{1 + i} HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 403", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        }

        using var http = DirectHttp.Create();
        var denials = JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/stats/denials")).RootElement;
        Assert.Equal(Flood, denials.GetProperty("total").GetInt64());
        Assert.Equal(200, denials.GetProperty("denials").GetArrayLength());
        Assert.Equal(200, denials.GetProperty("capacity").GetInt32());

        var suggestion = JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/allowlist/suggested")).RootElement;
        Assert.Equal(20, suggestion.GetProperty("namesTracked").GetInt32());
        Assert.Equal(Flood - 20, suggestion.GetProperty("omitted").GetProperty("untrackedDecisions").GetInt64());
        Assert.Equal(20, suggestion.GetProperty("rules").EnumerateArray().Sum(r => r.GetProperty("names").GetArrayLength()));

        // Nothing moved, so nothing is ranked.
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/stats/destinations")).RootElement.GetProperty("tracked").GetInt32());
    }

    private static async Task<RawClient> EchoAsync(TestGateway gateway, string authority, int bytes, bool close)
    {
        var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, authority);
        var reading = tunnel.ReadExactlyAsync(bytes);
        await tunnel.SendAsync(new byte[bytes]);
        await reading;
        if (close)
        {
            tunnel.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Empty(await tunnel.ReadToEndAsync());
            tunnel.Dispose();
        }

        return tunnel;
    }

    private static async Task<JsonElement> ConfigStatsAsync(HttpClient http, TestGateway gateway) =>
        JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/stats/config")).RootElement;

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 500; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : string.Empty;

    private static string Inline(string html, string tag) =>
        Regex.Match(html, $"<{tag}>(.*?)</{tag}>", RegexOptions.Singleline).Groups[1].Value;

    private static string Sha256(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
