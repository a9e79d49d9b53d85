using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy.Clients;
using YarpEgress.Telemetry;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Authentication;

/// <summary>A <see cref="ProxyAuthenticator"/> on a compiled client list, with fake time, counted derivations and its metric.</summary>
internal sealed class AuthenticatorSetup : IDisposable
{
    public static readonly string Hash = PasswordHash.Create("pw");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly EgressMetrics _metrics;
    private readonly MetricCollector<long> _results;

    public AuthenticatorSetup(params ClientOptions[] clients)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(new EgressOptions { Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }], Clients = [.. clients] }, errors);
        Assert.Empty(errors);
        Clients = snapshot!.Clients;
        Store = new EgressConfigStore(new ConfigurationBuilder().Build(), snapshot, NullLogger<EgressConfigStore>.Instance);
        var meters = _services.GetRequiredService<IMeterFactory>();
        _metrics = new EgressMetrics(meters);
        _results = new MetricCollector<long>(meters, EgressMetrics.MeterName, "egress.proxy.auth");
        Authenticator = new ProxyAuthenticator(Derivation, _metrics, Time, NullLogger<ProxyAuthenticator>.Instance);
        Store.Changed += _ => Authenticator.ConfigReloaded(); // as the composition root wires it
    }

    public FakeTimeProvider Time { get; } = new();

    public CountingDerivation Derivation { get; } = new();

    public ClientDirectory Clients { get; }

    public EgressConfigStore Store { get; }

    public ProxyAuthenticator Authenticator { get; }

    public static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    public ValueTask<Identification> IdentifyAsync(string source, string? credentials) =>
        Authenticator.IdentifyAsync(Clients, System.Net.IPAddress.Parse(source), credentials is null ? null : Basic(credentials));

    /// <summary>How many checks ended with <paramref name="result"/> (ok, cached, failed, throttled, missing).</summary>
    public long Results(string result) => _results.GetMeasurementSnapshot().Where(m => m.Tags["result"] as string == result).Sum(m => m.Value);

    public void Dispose()
    {
        _results.Dispose();
        _metrics.Dispose();
        Store.Dispose();
        _services.Dispose();
    }
}
