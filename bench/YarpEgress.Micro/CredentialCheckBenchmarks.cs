using System.Diagnostics.Metrics;
using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy.Clients;
using YarpEgress.Telemetry;

namespace YarpEgress.Micro;

/// <summary>
/// What a request with verified (remembered) proxy credentials pays for them: the Basic decode, the HMAC key and the
/// cache lookup; on a kept-alive connection that repeats them, a string comparison; beside it, a request from a client
/// that needs no credentials.
/// </summary>
[MemoryDiagnoser]
public class CredentialCheckBenchmarks
{
    private static readonly IPAddress Source = IPAddress.Parse("10.30.1.1");
    private readonly string _header = "Basic " + Convert.ToBase64String("ci:a-long-enough-s3cret"u8);
    private ServiceProvider _services = null!;
    private ProxyAuthenticator _authenticator = null!;
    private ClientDirectory _withCredentials = null!;
    private ClientDirectory _bySource = null!;
    private ConnectionCredentials _connection = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var errors = new List<string>();
        var withCredentials = Compile(new ClientOptions { Name = "ci", ProxyUser = "ci", ProxyPasswordHash = PasswordHash.Create("a-long-enough-s3cret") }, errors);
        _bySource = Compile(new ClientOptions { Name = "ci", Sources = ["10.30.0.0/16"] }, errors).Clients;
        _withCredentials = withCredentials.Clients;
        _authenticator = new ProxyAuthenticator(Pbkdf2KeyDerivation.Instance, new EgressMetrics(_services.GetRequiredService<IMeterFactory>()),
            TimeProvider.System, NullLogger<ProxyAuthenticator>.Instance);
        _connection = new ConnectionCredentials();
        for (var i = 0; i < 2; i++) // derived, then remembered by the connection
        {
            if (_authenticator.IdentifyAsync(_withCredentials, Source, _header, _connection).AsTask().Result.Client is null)
            {
                throw new InvalidOperationException("the credentials were not accepted");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark]
    public bool RememberedCredentials() => _authenticator.IdentifyAsync(_withCredentials, Source, _header).Result.Client is not null;

    [Benchmark]
    public bool RememberedOnTheConnection() => _authenticator.IdentifyAsync(_withCredentials, Source, _header, _connection).Result.Client is not null;

    [Benchmark(Baseline = true)]
    public bool BySourceOnly() => _authenticator.IdentifyAsync(_bySource, Source, proxyAuthorization: null).Result.Client is not null;

    private static EgressSnapshot Compile(ClientOptions client, List<string> errors) =>
        EgressConfigCompiler.Compile(new EgressOptions { Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }], Clients = [client] }, errors)
        ?? throw new InvalidOperationException(string.Join("; ", errors));
}
