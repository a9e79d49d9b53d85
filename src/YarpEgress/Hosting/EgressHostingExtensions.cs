using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using YarpEgress.Admin;
using YarpEgress.Authentication;
using YarpEgress.Configuration.Loading;
using YarpEgress.Configuration;
using YarpEgress.Kubernetes;
using YarpEgress.Listeners;
using YarpEgress.Listeners.Http;
using YarpEgress.Policy.Clients;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Transport;
using YarpEgress.Tunneling;
using YarpEgress.Tunneling.Splice;
using YarpEgress.Upstream;

namespace YarpEgress.Hosting;

/// <summary>The composition root: what <c>Program.cs</c> calls, in the order bytes flow through the gateway.</summary>
public static class EgressHostingExtensions
{
    /// <summary>
    /// Validates the whole <c>Egress</c> section (printing every error with its key path and returning false when there
    /// are any), then registers the gateway and binds its listeners.
    /// </summary>
    public static bool TryAddEgress(this WebApplicationBuilder builder, TextWriter errorOutput)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(builder.Configuration, errors);
        if (snapshot is null)
        {
            errorOutput.WriteLine($"YarpEgress: the configuration has {errors.Count} error(s):");
            foreach (var error in errors)
            {
                errorOutput.WriteLine($"  {error}");
            }

            return false;
        }

        // Console logging with every formatter, and Logging:Console bound after the slim builder's own setting, so
        // that FormatterName can pick "json".
        builder.Logging.AddConsole();
        builder.Services.Configure<ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        // The config: one validated snapshot at a time, swapped on reload.
        services.AddSingleton(sp => new EgressConfigStore(builder.Configuration, snapshot, sp.GetRequiredService<ILogger<EgressConfigStore>>()));
        services.AddSingleton<EgressEndpoints>();
        services.AddSingleton<IGatewayEndpoints>(sp => sp.GetRequiredService<EgressEndpoints>());

        // Who a request belongs to: proxy credentials checked with a cache and a per-source budget of PBKDF2 work.
        services.TryAddSingleton<IPasswordKeyDerivation>(Pbkdf2KeyDerivation.Instance);
        services.AddSingleton(sp =>
        {
            var authenticator = ActivatorUtilities.CreateInstance<ProxyAuthenticator>(sp);
            sp.GetRequiredService<EgressConfigStore>().Changed += _ => authenticator.ConfigReloaded();
            return authenticator;
        });

        // Who a client pod is: the pod index, fed by a list-then-watch of the Kubernetes API when Egress:Kubernetes
        // is on (bound at start-up); empty otherwise.
        services.AddSingleton<PodIndex>();
        services.AddSingleton<IWorkloadIdentities>(sp => sp.GetRequiredService<PodIndex>());
        if (snapshot.Options.Kubernetes.Enabled)
        {
            services.AddSingleton<KubernetesWatchMetrics>();
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<PodWatcher>(sp, snapshot.Options.Kubernetes));
        }

        // A connection arrives through the gateway's own socket transport (tunnels detach the socket from its pipes),
        // gives up a trusted load balancer's PROXY header, meets the connection limits; shutdown drains.
        services.AddSingleton<IConnectionListenerFactory, EgressSocketTransportFactory>();
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<EgressConfigStore>();
            return new DrainCoordinator(sp.GetRequiredService<IHostApplicationLifetime>(), () => store.Current.Timeouts, sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<DrainCoordinator>());
        services.AddHostedService<IdleMemoryTrimmer>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = snapshot.Timeouts.DrainDelay + snapshot.Timeouts.Drain + TimeSpan.FromSeconds(5));

        // Every path asks the one gate (identify, decide, route); CONNECT and SNI then dial and relay through the
        // tunnel step and the one copier that moves every tunnel's bytes. The listener stages are built per listener
        // (Listeners/ListenerPipeline).
        services.AddSingleton<EgressGate>();
        services.AddSingleton<TunnelStep>();
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<EgressConfigStore>();
            SpliceSettings Settings()
            {
                var tunnels = store.Current.Options.Tunnels;
                return new SpliceSettings(tunnels.Splice, tunnels.SplicePipeBytes);
            }

            return new SpliceRelay(sp.GetRequiredService<TimeProvider>(), Settings, sp.GetRequiredService<ILogger<SpliceRelay>>());
        });
        services.AddSingleton<TunnelRelay>();

        // Plain HTTP: YARP's forwarder with one shared invoker.
        services.AddHttpForwarder();
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<EgressConfigStore>();
            var invokers = new ForwardingInvokers(sp.GetRequiredService<UpstreamConnector>(), store.Current, sp.GetRequiredService<EgressMetrics>());
            store.Changed += invokers.Reloaded;
            return invokers;
        });
        services.AddSingleton<EgressHttpTransformer>();
        services.AddSingleton<ForwardProxyHandler>();

        // The way out, shared by every path: the policy decides from the snapshot; the connector resolves (pins, DNS
        // cache), checks each address (SSRF guard) and dials inside a per-destination circuit breaker.
        services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        services.AddSingleton<DnsCache>();
        services.AddSingleton<AddressPolicy>();
        services.AddSingleton(sp =>
        {
            // The breakers get each reload's settings from here; each connect brings its own deadline.
            var store = sp.GetRequiredService<EgressConfigStore>();
            var breakers = new ConnectBreakers(BreakerSettings.Of(store.Current.Options.CircuitBreaker), sp.GetRequiredService<TimeProvider>());
            store.Changed += reloaded => breakers.Reconfigure(BreakerSettings.Of(reloaded.Options.CircuitBreaker));
            return breakers;
        });
        services.AddSingleton<UpstreamConnector>();

        // Telemetry watches it all: one Meter, the access log, the live-connection list; /metrics on the admin listener.
        services.AddSingleton<EgressMetrics>();
        services.AddSingleton<EgressTelemetry>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EgressMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            // The forwarder's client metrics would carry every destination as server.address: keep bounded tags only.
            .AddView("http.client.*", new MetricStreamConfiguration { TagKeys = ["http.request.method", "http.response.status_code", "error.type", "network.protocol.version", "url.scheme"] })
            // ... and DNS lookups every looked-up name as dns.question.name (under a "**" rule, any name a client asks for).
            .AddView("dns.lookup.duration", new MetricStreamConfiguration { TagKeys = ["error.type"] })
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        builder.WebHost.ConfigureKestrel(kestrel => ConfigureListeners(kestrel, snapshot));
        return true;
    }

    /// <summary>Routes admin-listener requests to the admin endpoints and every other request to the forward proxy.</summary>
    public static WebApplication UseEgress(this WebApplication app)
    {
        app.Services.GetRequiredService<EgressTelemetry>(); // counts config reloads from the start
        StartupLog.ConfigFiles(app.Services);
        app.Lifetime.ApplicationStarted.Register(() => StartupLog.Listeners(app.Services));
        app.MapWhen(context => context.Features.Get<ListenerInfo>()?.IsAdmin == true, admin => admin.UseEgressAdmin());
        app.Use(app.Services.GetRequiredService<DrainCoordinator>().BoundRequestAsync);
        app.Run(app.Services.GetRequiredService<ForwardProxyHandler>().InvokeAsync);
        return app;
    }

    /// <summary>
    /// Runs the gateway until shutdown. A listener that cannot be bound (the port is taken, the address is not this
    /// host's) is a start-up error: printed as one line, exit code 2, instead of an unhandled exception.
    /// </summary>
    public static async Task<int> RunEgressAsync(this WebApplication app, TextWriter errorOutput)
    {
        var started = app.Lifetime.ApplicationStarted; // read before the run: a failed run disposes the services
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException && !started.IsCancellationRequested)
        {
            errorOutput.WriteLine($"YarpEgress: cannot start: {ex.Message} Check Egress:Listeners and Egress:Admin, or stop what holds the address.");
            return 2;
        }
    }

    private static void ConfigureListeners(KestrelServerOptions kestrel, EgressSnapshot snapshot)
    {
        var options = snapshot.Options;
        kestrel.AddServerHeader = false;
        kestrel.AllowHostHeaderOverride = true; // absolute-form targets name the authority; Host follows it
        kestrel.Limits.MaxRequestBodySize = null; // a proxy streams bodies of any size
        kestrel.Limits.RequestHeadersTimeout = snapshot.Timeouts.RequestHead;
        kestrel.Limits.MaxRequestHeadersTotalSize = snapshot.Limits.MaxRequestHeadBytes;
        var endpoints = kestrel.ApplicationServices.GetRequiredService<EgressEndpoints>();
        foreach (var listener in options.Listeners)
        {
            kestrel.Listen(IPAddress.Parse(listener.Address), listener.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                ListenerPipeline.Build(listen, listener, snapshot, kestrel.ApplicationServices);
                endpoints.Add(listener.Name, listen);
            });
        }

        kestrel.Listen(IPAddress.Parse(options.Admin.Address), options.Admin.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            ListenerPipeline.BuildAdmin(listen, EgressEndpoints.AdminName);
            endpoints.Add(EgressEndpoints.AdminName, listen);
        });
    }
}
