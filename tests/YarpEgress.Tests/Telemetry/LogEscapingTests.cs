using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Telemetry;

/// <summary>
/// A client puts CR, LF and ESC into everything it controls (ALPN, SNI, CONNECT host, Host header, proxy user name,
/// request target) on every path, allowed and refused; the console log, as the simple and the JSON formatter write
/// it, shows them escaped: no raw control character and no line the client wrote.
/// </summary>
public sealed class LogEscapingTests
{
    /// <summary>Would start a forged, coloured log line if written raw.</summary>
    private const string Payload = "x\r\nFORGED: info: evil \u001b[31mred\u001b[0m";

    [Theory]
    [InlineData("simple", true)]
    [InlineData("simple", false)]
    [InlineData("json", false)]
    public async Task Client_controlled_values_reach_the_console_log_escaped(string formatter, bool singleLine)
    {
        await using var echo = TcpUpstream.Echo();
        await using var http = await HttpUpstream.StartAsync();
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}", $"{http.HttpPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            policy: new { RequireTlsSniMatch = true },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)echo.Port },
            ]))!;
        config["Logging"] = JsonSerializer.SerializeToNode(new
        {
            LogLevel = new { Default = "Information" },
            Console = new { FormatterName = formatter, FormatterOptions = new { SingleLine = singleLine, ColorBehavior = "Disabled" } },
        });
        await using var gateway = await TestGateway.StartAsync(config, ConsoleCapture.AddTo);

        await SendEverywhereAsync(gateway, http.HttpPort, echo.Port);

        var capture = gateway.Services.GetRequiredService<ConsoleCapture>();
        Assert.True(await Eventually.TrueAsync(() => AccessEvents(capture.Text, formatter) >= 6, TimeSpan.FromSeconds(10)), capture.Text);
        var text = capture.Text;
        Assert.DoesNotContain(text, c => c != '\n' && char.IsControl(c));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, line => line.TrimStart().StartsWith("FORGED", StringComparison.Ordinal));
        if (formatter == "json")
        {
            // One JSON object per line, and the values inside, once decoded, hold escapes and no control character.
            var values = lines.SelectMany(line => Strings(JsonNode.Parse(line))).ToList();
            Assert.DoesNotContain(values, v => v.Any(char.IsControl));
            Assert.Contains(values, v => v.Contains(@"x\r\nFORGED: info: evil \x1B[31mred", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains(@"x\r\nFORGED: info: evil \x1B[31mred", text, StringComparison.Ordinal); // the ALPN, escaped, as the client sent it
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    private static async Task SendEverywhereAsync(TestGateway gateway, int httpPort, int echoPort)
    {
        var sni = gateway.EndPoint("tls");

        // SNI listener: a refused name with the payload as ALPN; a server name with the payload in it.
        await HelloAsync(sni, ClientHelloSamples.ChromiumStyle("refused.test", alpn: [Payload]));
        await HelloAsync(sni, ClientHelloSamples.ChromiumStyle("evil" + Payload + ".test", alpn: [Payload]));

        // CONNECT: the payload (without CR LF, which would end the head) in the host; a user name with all of it.
        var user = Convert.ToBase64String(Encoding.UTF8.GetBytes($"us{Payload}er:pw"));
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.RequestAsync($"CONNECT ev\u001b[2Jil{Payload.Replace("\r\n", string.Empty, StringComparison.Ordinal)}.test:443 HTTP/1.1\r\nProxy-Authorization: Basic {user}\r\n\r\n");
        }

        // CONNECT allowed, then a ClientHello naming another host with the payload as ALPN (RequireTlsSniMatch).
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.SendAsync($"CONNECT a.example.test:{echoPort} HTTP/1.1\r\nProxy-Authorization: Basic {user}\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
            await raw.SendAsync(ClientHelloSamples.ChromiumStyle("other.test", alpn: [Payload]));
            await raw.ReadToEndAsync();
        }

        // Plain HTTP, allowed and refused: the payload in Host, the user name, and a raw ESC in the request target.
        foreach (var target in new[] { $"http://a.example.test:{httpPort}/echo", "http://refused.test/", $"http://a.example.test:{httpPort}/e\u001bvil" })
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await raw.RequestAsync($"GET {target} HTTP/1.1\r\nHost: h\u001b[2Jx\r\nProxy-Authorization: Basic {user}\r\nX-Note: {Payload.Replace("\r\n", "\u001b", StringComparison.Ordinal)}\r\nConnection: close\r\n\r\n");
        }
    }

    private static async Task HelloAsync(IPEndPoint listener, byte[] hello)
    {
        using var raw = await RawClient.ConnectAsync(listener);
        await raw.SendAsync(hello);
        try
        {
            await raw.ReadToEndAsync();
        }
        catch (SocketException)
        {
            // refused with an alert and a close; a reset is as good
        }
    }

    private static int AccessEvents(string text, string formatter) =>
        text.Split('\n').Count(line => formatter == "json" ? line.Contains("\"EventId\":600", StringComparison.Ordinal) : line.Contains("YarpEgress.AccessLog[600]", StringComparison.Ordinal));
}
