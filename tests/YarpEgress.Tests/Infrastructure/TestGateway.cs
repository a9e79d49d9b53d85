using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Configuration;
using YarpEgress.Hosting;
using YarpEgress.Listeners;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// The real gateway, built exactly as Program.cs builds it, from the default appsettings plus an override file that
/// the test writes (listeners on port 0), started on loopback.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _configPath;

    private TestGateway(WebApplication app, string configPath)
    {
        _app = app;
        _configPath = configPath;
    }

    /// <summary>The bound endpoint of the listener named "proxy".</summary>
    public IPEndPoint Proxy => EndPoint("proxy");

    public IPEndPoint Admin => EndPoint(EgressEndpoints.AdminName);

    public IPEndPoint EndPoint(string listener) => _app.Services.GetRequiredService<EgressEndpoints>().GetBound(listener);

    public Uri ProxyUri => new($"http://{Proxy}");

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds a config whose Egress section has the admin listener on port 0 and, unless <paramref name="listeners"/>
    /// says otherwise, one HTTP listener named "proxy" on port 0. <paramref name="splice"/> false relays detached
    /// tunnels with the copier instead of the splice engine (<c>Egress:Tunnels:Splice</c>).
    /// </summary>
    public static object Config(object[] allow, object[]? deny = null, IDictionary<string, string>? hosts = null, object? timeouts = null,
        object? limits = null, object[]? listeners = null, object? policy = null, string[]? privateAllow = null, string mode = "Enforce", bool splice = true) => new
    {
        Egress = new
        {
            Mode = mode,
            Listeners = listeners ?? [new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http" }],
            Policy = policy ?? new { RequireTlsSniMatch = false },
            // Every upstream of the tests lives on loopback, which the address policy denies by default.
            PrivateNetworks = new { Allow = privateAllow ?? ["127.0.0.0/8"] },
            Admin = new { Address = "127.0.0.1", Port = 0 },
            Allow = allow,
            Deny = deny ?? [],
            Hosts = hosts ?? new Dictionary<string, string>(),
            Timeouts = timeouts ?? new { Connect = "00:00:05" },
            Limits = limits ?? new { MaxRequestHeadBytes = 16384 },
            Tunnels = new { Splice = splice },
        },
    };

    public static async Task<TestGateway> StartAsync(object config, Action<IServiceCollection>? services = null)
    {
        var path = TestTemp.NewFile("gateway-", ".json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return await StartWithFileAsync(path, services);
    }

    /// <summary>Starts the gateway on a config file the test manages (e.g. behind ConfigMap-style symlinks).</summary>
    public static async Task<TestGateway> StartWithFileAsync(string path, Action<IServiceCollection>? services = null)
    {
        string[] args = ["--config", path];
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddEgressConfiguration(args);
        builder.Logging.ClearProviders();
        using var errors = new StringWriter();
        if (!builder.TryAddEgress(errors))
        {
            throw new InvalidOperationException(errors.ToString());
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseEgress();
        // Started off xunit's synchronization context, as in production: otherwise every continuation of the
        // gateway's accept loops would queue behind the test runner's few threads.
        await Task.Run(() => app.StartAsync());
        return new TestGateway(app, path);
    }

    /// <summary>Rewrites the override file and waits until the gateway has either taken or rejected it.</summary>
    public async Task<bool> ReloadAsync(object config)
    {
        var store = _app.Services.GetRequiredService<EgressConfigStore>();
        var before = store.Current;
        var outcome = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<EgressSnapshot> changed = _ => outcome.TrySetResult(true);
        Action<IReadOnlyList<string>> rejected = _ => outcome.TrySetResult(false);
        store.Changed += changed;
        store.Rejected += rejected;
        try
        {
            await File.WriteAllTextAsync(_configPath, config is string text ? text : JsonSerializer.Serialize(config));
            var taken = await outcome.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(taken, !ReferenceEquals(before, store.Current));
            return taken;
        }
        finally
        {
            store.Changed -= changed;
            store.Rejected -= rejected;
        }
    }

    /// <summary>Stops the host as SIGTERM would (drain included); DisposeAsync after it is harmless.</summary>
    public Task StopAsync() => _app.StopAsync();

    public HttpClient CreateClient(HttpMessageHandler? inner = null) => new(inner ?? CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public SocketsHttpHandler CreateHandler() => new()
    {
        Proxy = new WebProxy(ProxyUri),
        UseProxy = true,
        SslOptions = { RemoteCertificateValidationCallback = TestCertificates.ValidateAgainstTestRoot },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (File.Exists(_configPath) && !new FileInfo(_configPath).Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            File.Delete(_configPath);
        }
    }
}
