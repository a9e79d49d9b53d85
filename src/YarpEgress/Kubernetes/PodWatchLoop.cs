using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using YarpEgress.Diagnostics;

namespace YarpEgress.Kubernetes;

/// <summary>
/// One scope's list-then-watch (a namespace, or the whole cluster), as client-go's reflector does it:
/// <list type="bullet">
/// <item>list (in pages) once, then watch from the list's <c>resourceVersion</c> with bookmarks, each event moving the
/// version on; a watch the server ends after events is resumed from there at once, without a list;</item>
/// <item>a dropped or failed watch is resumed from the last version after the back-off (<see cref="WatchBackoff"/>);
/// only <c>410 Gone</c> (the version is too old) makes it list again;</item>
/// <item>out of sync, the index keeps serving what it holds; after <c>MaxStaleness</c> out of sync it is emptied, and
/// connections are served on their address alone until a list succeeds.</item>
/// </list>
/// </summary>
internal sealed partial class PodWatchLoop(
    Func<IKubernetes> api,
    string? scope,
    PodIndex index,
    KubernetesWatchMetrics metrics,
    TimeProvider time,
    TimeSpan maxStaleness,
    ILogger logger)
{
    private const int PageSize = 500;

    private readonly WatchBackoff _backoff = new(time);
    private readonly string _scopeName = scope is null ? "all namespaces" : $"namespace {scope}";
    private IKubernetes? _api;
    private string? _resourceVersion;
    private bool _synced;
    private bool _expired;
    private long _outOfSyncSince;
    private int _goneInARow;

    private enum Outcome
    {
        Resume,
        Gone,
        Failed,
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        metrics.ScopeStarted();
        _outOfSyncSince = time.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            Outcome outcome;
            string reason;
            Exception? error = null;
            try
            {
                _api ??= api();
                if (_resourceVersion is null)
                {
                    await ListAsync(_api, stopping);
                }

                (outcome, reason, error) = await WatchAsync(_api, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                (outcome, reason, error) = Classify(ex, listing: _resourceVersion is null);
            }

            if (outcome == Outcome.Resume)
            {
                continue;
            }

            Unsynced();
            if (outcome == Outcome.Gone)
            {
                LogGone(logger, _scopeName, _resourceVersion);
                _resourceVersion = null;
                if (_goneInARow++ == 0)
                {
                    metrics.Failure(reason);
                    continue; // list again at once; a second 410 in a row waits like any failure
                }
            }

            var delay = _backoff.Next();
            LogFailed(logger, _scopeName, reason, error?.Message ?? reason, Math.Round(delay.TotalSeconds, 1));
            Expire();
            metrics.Failure(reason); // counted once logged and acted on, so what a scrape shows has happened
            try
            {
                await _backoff.WaitAsync(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var pods = new List<PodRecord>();
        string? next = null;
        string? version;
        do
        {
            var page = scope is null
                ? await client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, limit: PageSize, cancellationToken: cancellationToken)
                : await client.CoreV1.ListNamespacedPodAsync(scope, continueParameter: next, limit: PageSize, cancellationToken: cancellationToken);
            foreach (var pod in page.Items ?? [])
            {
                if (PodIdentity.Of(pod) is { } record)
                {
                    pods.Add(record);
                }
            }

            version = page.Metadata?.ResourceVersion;
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        index.Replace(scope, pods);
        metrics.Listed();
        _resourceVersion = version ?? string.Empty;
        _expired = false;
        Synced();
        LogListed(logger, _scopeName, pods.Count, _resourceVersion);
    }

    /// <summary>One watch request, from <see cref="_resourceVersion"/> until the server ends it or it fails.</summary>
    private async Task<(Outcome, string, Exception?)> WatchAsync(IKubernetes client, CancellationToken stopping)
    {
        // The server ends the watch after timeoutSeconds (5-10 min, spread); the watchdog ends one it never ends.
        var timeoutSeconds = 300 + Random.Shared.Next(300);
        using var watchdog = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds + 60), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, watchdog.Token);
        KubernetesException? status = null;
        var events = 0;
        var from = _resourceVersion;
        try
        {
            var request = scope is null
                ? client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: true, resourceVersion: _resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: linked.Token)
                : client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(scope, allowWatchBookmarks: true, resourceVersion: _resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: linked.Token);
#pragma warning disable CS0618 // WatchAsync on the response is the client's one streaming watch API in this version
            var stream = request.WatchAsync<V1Pod, V1PodList>(OnError, linked.Token);
#pragma warning restore CS0618
            await foreach (var (type, pod) in stream)
            {
                Apply(type, pod);
                if (events++ == 0)
                {
                    Resumed(from);
                }
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested && status is not null)
        {
            // ended by the ERROR event below
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested && watchdog.IsCancellationRequested)
        {
            return (Outcome.Failed, "stalled", null);
        }
        catch (Exception ex) when (events > 0 && ex is not OperationCanceledException)
        {
            return (Outcome.Failed, "dropped", ex);
        }

        if (status is not null)
        {
            return status.Status?.Code == (int)HttpStatusCode.Gone ? (Outcome.Gone, "gone", status) : (Outcome.Failed, "error", status);
        }

        // A watch that ends after events is routine (its timeout): resume. One that ends empty means a sick server.
        return events > 0 ? (Outcome.Resume, string.Empty, null) : (Outcome.Failed, "empty", null);

        // An ERROR event (a Status: 410 Gone, or another failure) ends the watch; a line that does not parse is skipped.
        void OnError(Exception error)
        {
            if (error is KubernetesException failure && status is null)
            {
                status = failure;
                linked.Cancel();
            }
        }
    }

    private void Apply(WatchEventType type, V1Pod pod)
    {
        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                if (PodIdentity.Of(pod) is { } record)
                {
                    index.Upsert(record);
                }
                else if (pod.Metadata?.Uid is { } finished)
                {
                    index.Remove(finished); // finished, moved to the host network, or without an address now
                }

                break;
            case WatchEventType.Deleted when pod.Metadata?.Uid is { } uid:
                index.Remove(uid);
                break;
        }

        metrics.Event(type switch
        {
            WatchEventType.Added => "added",
            WatchEventType.Modified => "modified",
            WatchEventType.Deleted => "deleted",
            WatchEventType.Bookmark => "bookmark",
            _ => "other",
        });
        _resourceVersion = pod.Metadata?.ResourceVersion ?? _resourceVersion;
    }

    private static (Outcome, string, Exception?) Classify(Exception ex, bool listing) => ex switch
    {
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => (Outcome.Gone, "gone", ex), // an expired continue token
        HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => (Outcome.Failed, "forbidden", ex),
        k8s.Exceptions.KubeConfigException => (Outcome.Failed, "config", ex),
        System.Text.Json.JsonException when !listing => (Outcome.Failed, "empty", ex), // the watch ended before its first line
        _ => (Outcome.Failed, "unreachable", ex),
    };

    private void Synced()
    {
        _backoff.Succeeded();
        if (!_synced)
        {
            _synced = true;
            metrics.Synced();
        }
    }

    private void Resumed(string? from)
    {
        _goneInARow = 0;
        if (!_synced)
        {
            LogResumed(logger, _scopeName, from);
            Synced();
        }
    }

    private void Unsynced()
    {
        if (_synced)
        {
            _synced = false;
            _outOfSyncSince = time.GetTimestamp();
            metrics.Unsynced();
        }
    }

    /// <summary>Out of sync for longer than MaxStaleness: forget the scope's pods, and list before trusting a watch again.</summary>
    private void Expire()
    {
        if (!_expired && time.GetElapsedTime(_outOfSyncSince) >= maxStaleness)
        {
            _expired = true;
            _resourceVersion = null;
            index.Clear(scope);
            LogExpired(logger, _scopeName, Math.Round(maxStaleness.TotalSeconds));
        }
    }

    [LoggerMessage(EventId = LogEvents.KubernetesPodsListed, EventName = nameof(LogEvents.KubernetesPodsListed), Level = LogLevel.Information, Message = "Kubernetes pods in {Scope}: listed {Pods} with an address, at resourceVersion {ResourceVersion}; watching")]
    private static partial void LogListed(ILogger logger, string scope, int pods, string resourceVersion);

    [LoggerMessage(EventId = LogEvents.KubernetesWatchFailed, EventName = nameof(LogEvents.KubernetesWatchFailed), Level = LogLevel.Warning, Message = "Kubernetes pod watch for {Scope} failed ({Reason}): {Error}; connections are identified by the pods seen before, or by address alone; next try in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, string scope, string reason, string error, double seconds);

    [LoggerMessage(EventId = LogEvents.KubernetesWatchGone, EventName = nameof(LogEvents.KubernetesWatchGone), Level = LogLevel.Information, Message = "Kubernetes pod watch for {Scope}: resourceVersion {ResourceVersion} is gone (410); listing again")]
    private static partial void LogGone(ILogger logger, string scope, string? resourceVersion);

    [LoggerMessage(EventId = LogEvents.KubernetesWatchResumed, EventName = nameof(LogEvents.KubernetesWatchResumed), Level = LogLevel.Information, Message = "Kubernetes pod watch for {Scope} resumed at resourceVersion {ResourceVersion}")]
    private static partial void LogResumed(ILogger logger, string scope, string? resourceVersion);

    [LoggerMessage(EventId = LogEvents.KubernetesIndexExpired, EventName = nameof(LogEvents.KubernetesIndexExpired), Level = LogLevel.Warning, Message = "Kubernetes pods in {Scope} forgotten: out of sync for {Seconds} s (Egress:Kubernetes:MaxStaleness); connections are identified by address alone until a list succeeds")]
    private static partial void LogExpired(ILogger logger, string scope, double seconds);
}
