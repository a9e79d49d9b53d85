using YarpEgress.Configuration.Loading;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Listeners;

namespace YarpEgress.Hosting;

/// <summary>Says at start-up what each listener is (Kestrel's own line calls every endpoint "http://").</summary>
internal static partial class StartupLog
{
    /// <summary>The config files, in the order they were merged (later ones override earlier ones).</summary>
    public static void ConfigFiles(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("YarpEgress.Startup");
        if (services.GetRequiredService<IConfiguration>() is not IConfigurationRoot root)
        {
            return;
        }

        var order = 0;
        foreach (var provider in root.Providers)
        {
            if (provider is LayeredJsonConfigurationProvider layered)
            {
                foreach (var file in layered.Files)
                {
                    LogConfigFile(logger, ++order, file.Path, file.Origin);
                }
            }
        }
    }

    public static void Listeners(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("YarpEgress.Startup");
        var endpoints = services.GetRequiredService<EgressEndpoints>();
        var snapshot = services.GetRequiredService<EgressConfigStore>().Current;
        foreach (var listener in snapshot.Options.Listeners)
        {
            var kind = ListenerInfo.For(listener).Kind switch
            {
                ListenerKind.SniTerminate => "SNI Terminate",
                ListenerKind.SniPassthrough => "SNI Passthrough",
                _ => "HTTP proxy + CONNECT",
            };
            LogListener(logger, listener.Name, kind, endpoints.GetBound(listener.Name).ToString());
        }

        LogListener(logger, EgressEndpoints.AdminName, "admin", endpoints.GetBound(EgressEndpoints.AdminName).ToString());
        LogPolicy(logger, snapshot.Policy.RuleCount, snapshot.Options.Mode, snapshot.PrivateAllow.Count);
    }

    [LoggerMessage(EventId = LogEvents.ListenerStarted, EventName = nameof(LogEvents.ListenerStarted), Level = LogLevel.Information, Message = "Listener {Name}: {Kind} on {EndPoint}")]
    private static partial void LogListener(ILogger logger, string name, string kind, string endPoint);

    [LoggerMessage(EventId = LogEvents.ConfigFileLoaded, EventName = nameof(LogEvents.ConfigFileLoaded), Level = LogLevel.Information, Message = "Config file {Order}: {Path} ({Origin})")]
    private static partial void LogConfigFile(ILogger logger, int order, string path, string origin);

    [LoggerMessage(EventId = LogEvents.PolicyLoaded, EventName = nameof(LogEvents.PolicyLoaded), Level = LogLevel.Information, Message = "Allowlist: {RuleCount} rules, mode {Mode}; {PrivateAllowCount} private ranges allowed")]
    private static partial void LogPolicy(ILogger logger, int ruleCount, EnforcementMode mode, int privateAllowCount);
}
