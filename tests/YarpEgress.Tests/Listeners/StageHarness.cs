using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Listeners;
using YarpEgress.Proxying;
using YarpEgress.Policy.Clients;
using YarpEgress.Telemetry;
using YarpEgress.Tunneling;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Listeners;

/// <summary>
/// The services a listener stage runs with, built from a config as the gateway builds them (the real gate, connector
/// and copier, fake time), and connections over in-memory pipes whose raw writes are recorded: a stage can be driven
/// byte by byte without a socket, as Kestrel tests its TLS listener.
/// </summary>
internal sealed class StageHarness : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public StageHarness(EgressOptions options)
    {
        var errors = new List<string>();
        Snapshot = EgressConfigCompiler.Compile(options, errors)!;
        Assert.Empty(errors);
        var store = new EgressConfigStore(new ConfigurationBuilder().Build(), Snapshot, NullLogger<EgressConfigStore>.Instance);
        var metrics = new EgressMetrics(_services.GetRequiredService<IMeterFactory>());
        Telemetry = new EgressTelemetry(metrics, store, Time, NullLoggerFactory.Instance);
        var authenticator = new ProxyAuthenticator(Pbkdf2KeyDerivation.Instance, metrics, Time, NullLogger<ProxyAuthenticator>.Instance);
        Gate = new EgressGate(store, authenticator, NullLogger<EgressGate>.Instance);
        var connector = new UpstreamConnector(new DnsCache(new SystemHostResolver(), Time), new AddressPolicy(new EgressEndpoints()),
            new ConnectBreakers(BreakerSettings.Of(options.CircuitBreaker), Time), Time, NullLogger<UpstreamConnector>.Instance);
        Tunnels = new TunnelStep(connector, new TunnelRelay(Time), NullLogger<TunnelStep>.Instance);
    }

    public FakeTimeProvider Time { get; } = new();

    public EgressSnapshot Snapshot { get; }

    public EgressTelemetry Telemetry { get; }

    public EgressGate Gate { get; }

    public TunnelStep Tunnels { get; }

    /// <summary>A connection from <paramref name="peer"/> with its context, as the listener's first stage sets it.</summary>
    public PipeConnection Open(string listener, string peer = "127.0.0.1:40000") => new(Snapshot, listener, IPEndPoint.Parse(peer));

    public void Dispose() => _services.Dispose();
}
