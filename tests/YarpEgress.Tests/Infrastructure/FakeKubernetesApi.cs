using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// A Kubernetes API server for Pods, in the test process (Kestrel on 127.0.0.1:0), as the real one answers the
/// gateway's requests: <c>GET /api/v1/pods</c> lists the pods it holds with the current <c>resourceVersion</c>;
/// with <c>?watch=true</c> it streams chunked JSON lines, one watch event each (ADDED, MODIFIED, DELETED, BOOKMARK,
/// ERROR with a 410 Status), as the test sends them. A kubeconfig that points at it is written under the run's
/// directory. The test can drop the watch mid-stream, and make the server unreachable (every request aborted).
/// </summary>
internal sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, V1Pod> _pods = new();
    private readonly Channel<string?> _watch = Channel.CreateUnbounded<string?>();
    private readonly ConcurrentQueue<string?> _watchVersions = new();
    private long _version = 100;
    private int _lists;
    private int _refused;

    private FakeKubernetesApi(WebApplication app, string kubeconfig)
    {
        _app = app;
        KubeconfigPath = kubeconfig;
    }

    public string KubeconfigPath { get; }

    /// <summary>False: every request is aborted before an answer, as an API server out of reach looks to a client.</summary>
    public bool Reachable { get; set; } = true;

    /// <summary>Lists served (not counting refused ones).</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Requests refused while unreachable.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>The <c>resourceVersion</c> each watch request asked to start from, in order.</summary>
    public IReadOnlyList<string?> WatchVersions => [.. _watchVersions];

    public string CurrentVersion => Interlocked.Read(ref _version).ToString(CultureInfo.InvariantCulture);

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeKubernetesApi? self = null;
        app.MapGet("/api/v1/pods", context => self!.ServeAsync(context));
        await Task.Run(() => app.StartAsync());
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var kubeconfig = TestTemp.NewFile("kubeconfig-", ".yaml");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {address}
            users:
              - name: fake
                user:
                  token: fake-token
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: fake
            current-context: fake
            """);
        return self = new FakeKubernetesApi(app, kubeconfig);
    }

    /// <summary>A pod as the API holds it (for the next list), without a watch event.</summary>
    public V1Pod Seed(V1Pod pod)
    {
        pod.Metadata.ResourceVersion = NextVersion();
        _pods[pod.Metadata.Uid] = pod;
        return pod;
    }

    public void Added(V1Pod pod) => Send("ADDED", Seed(pod));

    public void Modified(V1Pod pod) => Send("MODIFIED", Seed(pod));

    /// <summary>The pod leaves the API's state; the DELETED event carries its last state, as the real one does.</summary>
    public void Deleted(V1Pod pod)
    {
        _pods.TryRemove(pod.Metadata.Uid, out _);
        pod.Metadata.ResourceVersion = NextVersion();
        Send("DELETED", pod);
    }

    /// <summary>The pod is gone from the API's state, and no watch hears of it (it was deleted while none was open).</summary>
    public void Forget(V1Pod pod) => _pods.TryRemove(pod.Metadata.Uid, out _);

    public void Bookmark() => _watch.Writer.TryWrite(Line("BOOKMARK", new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = new V1ObjectMeta { ResourceVersion = NextVersion() } }));

    /// <summary>The watch's resourceVersion is too old: an ERROR event with a 410 Status, then the stream ends.</summary>
    public void Gone() => _watch.Writer.TryWrite(
        $"{{\"type\":\"ERROR\",\"object\":{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}}}\n");

    /// <summary>The open watch connection is aborted mid-stream (what a restarted API server or a lost route looks like).</summary>
    public void DropWatch() => _watch.Writer.TryWrite(null);

    public static V1Pod Pod(string ns, string name, string ip, string? app = null, string? serviceAccount = null, string? uid = null,
        V1OwnerReference? owner = null, IDictionary<string, string>? labels = null) => new()
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = uid ?? Guid.NewGuid().ToString(),
                Labels = labels ?? (app is null ? null : new Dictionary<string, string> { ["app"] = app }),
                OwnerReferences = owner is null ? null : [owner],
            },
            Spec = new V1PodSpec { ServiceAccountName = serviceAccount, Containers = [new V1Container { Name = "app", Image = "app" }] },
            Status = new V1PodStatus { Phase = "Running", PodIP = ip, PodIPs = [new V1PodIP { Ip = ip }] },
        };

    private string NextVersion() => Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);

    private void Send(string type, V1Pod pod) => _watch.Writer.TryWrite(Line(type, pod));

    private static string Line(string type, V1Pod pod) => $"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(pod)}}}\n";

    private async Task ServeAsync(HttpContext context)
    {
        if (!Reachable)
        {
            Interlocked.Increment(ref _refused);
            context.Abort();
            return;
        }

        if (context.Request.Query["watch"] is ["true" or "1"])
        {
            _watchVersions.Enqueue(context.Request.Query["resourceVersion"].FirstOrDefault());
            await StreamAsync(context);
            return;
        }

        Interlocked.Increment(ref _lists);
        var list = new V1PodList
        {
            ApiVersion = "v1",
            Kind = "PodList",
            Metadata = new V1ListMeta { ResourceVersion = CurrentVersion },
            Items = [.. _pods.Values],
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(KubernetesJson.Serialize(list));
    }

    private async Task StreamAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(); // chunked: no length, the body is the stream of events
        try
        {
            await foreach (var line in _watch.Reader.ReadAllAsync(context.RequestAborted))
            {
                if (line is null)
                {
                    context.Abort();
                    return;
                }

                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                if (line.Contains("\"type\":\"ERROR\"", StringComparison.Ordinal))
                {
                    return; // the real server ends the watch after an ERROR event
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the client went away (the gateway stopped, or its watchdog ended the watch)
        }
    }

    public async ValueTask DisposeAsync()
    {
        _watch.Writer.TryComplete();
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(KubeconfigPath);
    }
}
