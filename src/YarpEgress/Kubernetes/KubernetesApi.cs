using k8s;
using YarpEgress.Configuration;

namespace YarpEgress.Kubernetes;

/// <summary>
/// The API client: the in-cluster config (the pod's service account token and CA, <c>KUBERNETES_SERVICE_HOST</c>), or
/// <c>Egress:Kubernetes:Kubeconfig</c>. It never goes through <c>HTTP_PROXY</c>: the API server is inside the cluster,
/// and the proxy the variables name may be this gateway.
/// </summary>
internal static class KubernetesApi
{
    /// <summary>The bound on a list request (a watch has none: it ends when the server ends it, or the watchdog does).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static IKubernetes Create(KubernetesOptions options)
    {
        var config = options.Kubeconfig is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.InClusterConfig();
        config.HttpClientTimeout = RequestTimeout;
        config.FirstMessageHandlerSetup = handler => handler.UseProxy = false;
        return new k8s.Kubernetes(config);
    }
}
