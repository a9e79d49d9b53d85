using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Telemetry;

/// <summary>Refusals the gateway answers before Kestrel would (a non-http scheme) are counted like any other plain-HTTP response.</summary>
[Collection(MetricsCollection.Name)]
public sealed class RefusalMetricsTests
{
    [Fact]
    public async Task A_refused_scheme_is_counted_as_a_plain_HTTP_400()
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: [new { Host = "a.example.test" }]));
        foreach (var scheme in new[] { "ws", "ftp" })
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await raw.SendAsync($"GET {scheme}://a.example.test/ HTTP/1.1\r\nHost: a.example.test\r\n\r\n");
            var (head, _) = await raw.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        }

        (string, string)[] labels = [("protocol", "http"), ("status_code", "400")];
        MetricsScrape scrape;
        var tries = 0;
        do
        {
            scrape = await MetricsScrape.FromAsync(gateway.Admin);
        }
        while (scrape.Value("egress_http_responses_total", labels) < 2 && ++tries < 50 && await Delay());

        Assert.Equal(2, scrape.Value("egress_http_responses_total", labels));
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }
}
