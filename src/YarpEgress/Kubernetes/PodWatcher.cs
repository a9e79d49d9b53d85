using k8s;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;

namespace YarpEgress.Kubernetes;

/// <summary>
/// <c>Egress:Kubernetes</c> on: keeps the <see cref="PodIndex"/> fed, one <see cref="PodWatchLoop"/> per listed
/// namespace, or one for the whole cluster. It starts in the background: the listeners and readiness never wait for
/// the API, and until the first list (or while the API is away) connections are served on their address alone.
/// </summary>
internal sealed partial class PodWatcher(
    KubernetesOptions options,
    PodIndex index,
    KubernetesWatchMetrics metrics,
    TimeProvider time,
    ILogger<PodWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // off the host's start-up path
        IReadOnlyList<string?> scopes = options.Namespaces.Count == 0 ? [null] : [.. options.Namespaces];
        LogStarting(logger, options.Namespaces.Count == 0 ? "all namespaces" : string.Join(", ", options.Namespaces),
            options.Kubeconfig ?? "the in-cluster service account");
        IKubernetes? shared = null;
        var gate = new Lock();
        IKubernetes Api()
        {
            lock (gate)
            {
                return shared ??= KubernetesApi.Create(options);
            }
        }

        try
        {
            var loops = new Task[scopes.Count];
            for (var i = 0; i < scopes.Count; i++)
            {
                loops[i] = new PodWatchLoop(Api, scopes[i], index, metrics, time, options.MaxStaleness, logger).RunAsync(stoppingToken);
            }

            await Task.WhenAll(loops);
        }
        finally
        {
            shared?.Dispose();
        }
    }

    [LoggerMessage(EventId = LogEvents.KubernetesWatchStarted, EventName = nameof(LogEvents.KubernetesWatchStarted), Level = LogLevel.Information, Message = "Kubernetes workload identity on: watching pods in {Namespaces}, with {Credentials}")]
    private static partial void LogStarting(ILogger logger, string namespaces, string credentials);
}
