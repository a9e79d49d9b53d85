using System.Net;
using System.Text;
using System.Threading.Channels;
using CsCheck;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// Property: on every tunnel path the upstream receives exactly the bytes the client sent, whatever the split points
/// and the small delays between the pieces, including bytes pipelined right behind the CONNECT head or the
/// ClientHello, and a FIN right after the last piece. Each path runs a bounded number of cases, one at a time.
/// </summary>
public class TunnelBytesPropertyTests : IAsyncLifetime
{
    /// <summary>Whether the gateway relays detached tunnels with the splice engine; <see cref="TunnelBytesPropertyCopierTests"/> runs every test with the copier.</summary>
    protected virtual bool Splice => true;

    private const int Cases = 40;
    private const string Established = "HTTP/1.1 200 Connection Established\r\n\r\n";

    /// <summary>What follows the head or hello: random bytes, and where the client's sends cut the whole and how long it pauses.</summary>
    private static readonly Gen<(byte[] Tail, int[] Cuts, int[] DelaysMs)> Input =
        Gen.Select(Gen.Byte.Array[0, 5000], Gen.Int[0, 8000].Array[0, 4], Gen.Int[0, 15].Array[4]);

    private TcpUpstream _exempt = null!;
    private TcpUpstream _checked = null!;
    private ChannelReader<byte[]> _exemptReceived = null!;
    private ChannelReader<byte[]> _checkedReceived = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        (_exempt, _exemptReceived) = TcpUpstream.Recording();
        (_checked, _checkedReceived) = TcpUpstream.Recording();
        _gateway = await TestGateway.StartAsync(TestGateway.Config(
            splice: Splice,
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_exempt.Port}", $"{_checked.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            policy: new { RequireTlsSniMatch = true, SniMatchExemptPorts = new[] { $"{_exempt.Port}" } },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null, DefaultHost = (string?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_checked.Port, DefaultHost = (string?)null },
                new { Name = "default", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_checked.Port, DefaultHost = (string?)"a.example.test" },
            ]));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _checked.DisposeAsync();
        await _exempt.DisposeAsync();
    }

    [Fact]
    public Task CONNECT_delivers_every_byte() => CheckAsync((tail, cuts, delays) =>
        RoundAsync(_gateway.Proxy, Head(_exempt.Port), tail, cuts, delays, _exemptReceived));

    [Fact]
    public Task CONNECT_with_RequireTlsSniMatch_delivers_every_byte_of_a_valid_hello_and_what_follows() => CheckAsync((tail, cuts, delays) =>
        RoundAsync(_gateway.Proxy, Head(_checked.Port), [.. Hello("a.example.test"), .. tail], cuts, delays, _checkedReceived));

    [Fact]
    public Task SNI_passthrough_delivers_every_byte() => CheckAsync((tail, cuts, delays) =>
        RoundAsync(_gateway.EndPoint("tls"), [], [.. Hello("a.example.test"), .. tail], cuts, delays, _checkedReceived));

    [Fact]
    public Task SNI_with_a_DefaultHost_delivers_every_byte_of_a_hello_without_a_name() => CheckAsync((tail, cuts, delays) =>
        RoundAsync(_gateway.EndPoint("default"), [], [.. Hello(null), .. tail], cuts, delays, _checkedReceived));

    private static Task CheckAsync(Func<byte[], int[], int[], Task> round) =>
        Input.SampleAsync(round, iter: Cases, threads: 1, print: i => $"tail {i.Item1.Length} bytes, cuts [{string.Join(',', i.Item2)}], delays [{string.Join(',', i.Item3)}]");

    private static byte[] Head(int port) => Encoding.ASCII.GetBytes($"CONNECT a.example.test:{port} HTTP/1.1\r\nHost: a.example.test:{port}\r\n\r\n");

    /// <summary>A ClientHello in two records, so that cuts also land between and inside records.</summary>
    private static byte[] Hello(string? name) => ClientHelloSamples.ChromiumStyle(name, recordSizes: [300, 4000]);

    /// <summary>
    /// Sends the head with the first piece of <paramref name="stream"/> in one send (pipelined), then the other
    /// pieces with their delays, then a FIN; the client reads to the gateway's FIN and the upstream must have got
    /// <paramref name="stream"/> exactly.
    /// </summary>
    private static async Task RoundAsync(IPEndPoint gateway, byte[] head, byte[] stream, int[] cuts, int[] delays, ChannelReader<byte[]> received)
    {
        var bounds = cuts.Where(c => c > 0 && c < stream.Length).Distinct().Order().Append(stream.Length).ToArray();
        using var client = await RawClient.ConnectAsync(gateway);
        var start = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            var piece = stream[start..bounds[i]];
            await client.SendAsync(i == 0 ? [.. head, .. piece] : piece);
            start = bounds[i];
            if (delays[i % delays.Length] is > 0 and var delay)
            {
                await Task.Delay(delay);
            }
        }

        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var answer = Encoding.ASCII.GetString(await client.ReadToEndAsync());
        Assert.Equal(head.Length == 0 ? string.Empty : Established, answer);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var got = await received.ReadAsync(wait.Token);
        Assert.Equal(stream.Length, got.Length);
        Assert.True(stream.AsSpan().SequenceEqual(got), "the upstream got other bytes than the client sent");
    }
}
