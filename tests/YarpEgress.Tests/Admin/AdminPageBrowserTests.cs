using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Admin;

/// <summary>
/// The admin page in a real browser (headless Chromium): while a CONNECT tunnel that moved a known number of bytes is
/// open, the rendered page has the tunnel's row with its destination and byte counts, the destination in the top list,
/// a denial with its rule, the config generation and readiness. The page's script only runs if the
/// Content-Security-Policy hash admits it, so a rendered row also proves the header. The screenshot is saved to
/// <c>TestResults/screenshots/admin-page.png</c> in the repository.
/// </summary>
public sealed partial class AdminPageBrowserTests
{
    private const int Bytes = 123_456;

    public static string ScreenshotPath => RepositoryFiles.PathOf("TestResults", "screenshots", "admin-page.png");

    [Fact]
    public async Task The_page_shows_the_live_tunnel_its_bytes_the_top_destinations_and_a_denial()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "page.example.com", Ports = new[] { $"{echo.Port}" } }],
            hosts: new Dictionary<string, string> { ["page.example.com"] = "127.0.0.1" }));
        var (refused, _) = await RawClient.ConnectOnceAsync(gateway.Proxy, "refused.example.com:443");
        Assert.StartsWith("HTTP/1.1 403", refused, StringComparison.Ordinal);

        using var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, $"page.example.com:{echo.Port}");
        var reading = tunnel.ReadExactlyAsync(Bytes);
        await tunnel.SendAsync(new byte[Bytes]);
        await reading;
        var id = await CountedBothWaysAsync(gateway.Admin);

        string? row = null;
        string dom = string.Empty;
        for (var attempt = 0; attempt < 3 && row is null; attempt++)
        {
            dom = await Chromium.DumpDomAsync($"http://{gateway.Admin}/", TimeSpan.FromSeconds(5));
            row = Row().Matches(dom).Select(m => m.Value).FirstOrDefault(r => r.Contains($"data-id=\"{id}\"", StringComparison.Ordinal));
        }

        Assert.True(row is not null, "no row for the tunnel in the rendered page:\n" + dom);
        var cells = Cells(row);
        Assert.Equal(["connect", "proxy", $"page.example.com:{echo.Port}", "123,456", "123,456"], [cells[1], cells[2], cells[4], cells[7], cells[8]]);
        Assert.StartsWith("127.0.0.1:", cells[3], StringComparison.Ordinal);
        Assert.Equal($"127.0.0.1:{echo.Port}", cells[5]);

        var top = Assert.Single(Section(dom, "destinations"));
        Assert.Equal([$"page.example.com:{echo.Port}", "246,912", string.Empty, "123,456", "123,456", "1", "1"], top);
        var denial = Assert.Single(Section(dom, "denials"));
        Assert.Equal(["denied", "refused.example.com:443", "no_match", "proxy"], [denial[1], denial[2], denial[3], denial[5]]);
        Assert.StartsWith("127.0.0.1:", denial[4], StringComparison.Ordinal);
        Assert.Matches(@"<span id=""ready"" class=""badge ready"">ready</span>", dom);
        Assert.Matches(@"<strong id=""generation"">1</strong>", dom);
        Assert.Matches(@"data-refreshes=""[1-9]", dom);

        await Chromium.ScreenshotAsync($"http://{gateway.Admin}/", TimeSpan.FromSeconds(5), ScreenshotPath);
        Assert.True(new FileInfo(ScreenshotPath).Length > 10_000, "the screenshot is suspiciously small");
    }

    /// <summary>Polls <c>/connections</c> until the one tunnel's bytes are counted both ways; returns its id.</summary>
    private static async Task<long> CountedBothWaysAsync(IPEndPoint admin)
    {
        using var http = DirectHttp.Create();
        for (var i = 0; i < 500; i++)
        {
            var tunnel = Assert.Single(JsonDocument.Parse(await http.GetStringAsync($"http://{admin}/connections")).RootElement.EnumerateArray());
            if (tunnel.GetProperty("bytesFromClient").GetInt64() == Bytes && tunnel.GetProperty("bytesToClient").GetInt64() == Bytes)
            {
                return tunnel.GetProperty("id").GetInt64();
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException("the tunnel's bytes were never counted both ways");
    }

    /// <summary>The rows of the table body with this id, each as its cells' text.</summary>
    private static List<string[]> Section(string dom, string id)
    {
        var body = Regex.Match(dom, $"<tbody id=\"{id}\">(.*?)</tbody>", RegexOptions.Singleline);
        Assert.True(body.Success, $"no <tbody id=\"{id}\"> in the page");
        return [.. Row().Matches(body.Groups[1].Value).Select(m => Cells(m.Value))];
    }

    private static string[] Cells(string row) => [.. Cell().Matches(row).Select(m => WebUtility.HtmlDecode(Regex.Replace(m.Groups[1].Value, "<[^>]+>", string.Empty)))];

    [GeneratedRegex("<tr[^>]*>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<td[^>]*>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Cell();
}
