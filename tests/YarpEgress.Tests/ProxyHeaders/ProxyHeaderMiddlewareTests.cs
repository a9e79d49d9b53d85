using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Listeners;
using YarpEgress.Listeners.ProxyHeaders;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Transport;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.ProxyHeaders;

/// <summary>
/// The middleware over an in-memory pipe: whatever the TCP segmentation, it consumes the header and nothing else, sets
/// the client once on the connection, and hands an untrusted peer's bytes on untouched.
/// </summary>
public sealed class ProxyHeaderMiddlewareTests : IDisposable
{
    private static readonly byte[] Payload = "CONNECT a.example.test:443 HTTP/1.1\r\n\r\nhello"u8.ToArray();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private (ProxyHeaderMiddleware Middleware, EgressSnapshot Snapshot) Middleware(ConnectionDelegate next)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128, ProxyProtocol = new ProxyProtocolOptions { TrustedSources = ["127.0.0.1"] } }],
        }, errors);
        Assert.Empty(errors);
        var store = new EgressConfigStore(new ConfigurationBuilder().Build(), snapshot!, NullLogger<EgressConfigStore>.Instance);
        var telemetry = new EgressTelemetry(new EgressMetrics(_services.GetRequiredService<IMeterFactory>()), store, TimeProvider.System, NullLoggerFactory.Instance);
        // An SNI listener's stage: an untrusted peer is handed on, a refusal is an alert.
        var listener = new ListenerInfo("proxy", ListenerKind.SniPassthrough, null);
        return (new ProxyHeaderMiddleware(next, listener, ConnectionRefusals.TlsAlert(TimeProvider.System), telemetry, TimeProvider.System, NullLogger<ProxyHeaderMiddleware>.Instance), snapshot!);
    }

    /// <summary>Runs the middleware on a connection from <paramref name="peer"/> that receives the pieces one by one.</summary>
    private async Task<(EndPoint? Client, byte[] Remaining)?> RunAsync(string peer, params byte[][] pieces)
    {
        var input = new Pipe();
        var output = new Pipe();
        var context = new DefaultConnectionContext("test", new DuplexPipe(input.Reader, output.Writer), new DuplexPipe(output.Reader, input.Writer))
        {
            RemoteEndPoint = IPEndPoint.Parse(peer),
        };
        (EndPoint? Client, byte[] Remaining)? seen = null;
        var (middleware, snapshot) = Middleware(async next =>
        {
            var rest = new MemoryStream();
            while (true)
            {
                var result = await next.Transport.Input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    rest.Write(segment.Span);
                }

                next.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            Assert.Equal(next.RemoteEndPoint, next.Features.Get<ProxyContext>()!.Client);
            seen = (next.RemoteEndPoint, rest.ToArray());
        });
        var proxy = new ProxyContext(snapshot, "proxy", context.RemoteEndPoint, CancellationToken.None, CancellationToken.None);
        context.Features.Set(proxy);
        context.Features.Set<IClientSendFeature>(new RecordingClientSend());
        var run = middleware.OnConnectionAsync(context);
        foreach (var piece in pieces)
        {
            await input.Writer.WriteAsync(piece);
            await Task.Yield();
        }

        await input.Writer.CompleteAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        return seen;
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task Consumes_exactly_the_header_at_every_split_point(string version)
    {
        var source = IPEndPoint.Parse("10.1.2.3:5555");
        var header = version == "v1" ? ProxyHeaderBytes.V1(source, IPEndPoint.Parse("192.0.2.1:3128")) : ProxyHeaderBytes.V2(source, IPEndPoint.Parse("192.0.2.1:3128"), (0x04, new byte[9]));
        byte[] bytes = [.. header, .. Payload];
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var seen = await RunAsync("127.0.0.1:40000", bytes[..cut], bytes[cut..]);
            Assert.NotNull(seen);
            Assert.Equal(source, seen.Value.Client);
            Assert.Equal(Encoding.ASCII.GetString(Payload), Encoding.ASCII.GetString(seen.Value.Remaining));
        }
    }

    [Fact]
    public async Task An_IPv4_mapped_source_is_the_IPv4_client()
    {
        var header = ProxyHeaderBytes.V1(IPEndPoint.Parse("[::ffff:10.1.2.3]:5555"), IPEndPoint.Parse("[::ffff:192.0.2.1]:3128"));
        var seen = await RunAsync("127.0.0.1:40000", [.. header, .. Payload]);
        Assert.Equal(IPEndPoint.Parse("10.1.2.3:5555"), seen?.Client);
    }

    [Fact]
    public async Task Hands_an_untrusted_peer_on_untouched_and_keeps_its_address()
    {
        // On an SNI listener the untrusted peer's PROXY bytes reach the router, which refuses them as a bad ClientHello.
        byte[] bytes = [.. ProxyHeaderBytes.V1(IPEndPoint.Parse("10.1.2.3:5555"), IPEndPoint.Parse("192.0.2.1:3128")), .. Payload];
        var seen = await RunAsync("127.0.0.2:40000", bytes[..3], bytes[3..]);
        Assert.NotNull(seen);
        Assert.Equal(IPEndPoint.Parse("127.0.0.2:40000"), seen.Value.Client);
        Assert.Equal(bytes, seen.Value.Remaining);
    }

    [Fact]
    public async Task Never_calls_the_next_middleware_for_a_trusted_peer_without_a_header()
    {
        Assert.Null(await RunAsync("127.0.0.1:40000", Payload));
        Assert.Null(await RunAsync("127.0.0.1:40000", "PROXY TCP4 10.1"u8.ToArray())); // closed mid-header
    }

    public void Dispose() => _services.Dispose();
}
