using k8s.Models;
using YarpEgress.Kubernetes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>What a pod from the API becomes in the index: its addresses, its workload name, or nothing.</summary>
public sealed class PodIdentityTests
{
    private static V1OwnerReference Owner(string kind, string name) => new() { ApiVersion = "apps/v1", Kind = kind, Name = name, Uid = "u", Controller = true };

    [Fact]
    public void The_workload_is_the_name_label_then_app_then_the_owner_with_a_replica_sets_hash_taken_off()
    {
        var labelled = FakeKubernetesApi.Pod("shop", "cart-5d9f7-abcde", "10.1.0.4",
            labels: new Dictionary<string, string> { ["app.kubernetes.io/name"] = "cart", ["app"] = "legacy" });
        Assert.Equal("cart", PodIdentity.Of(labelled)!.Identity.Workload);
        Assert.Equal("legacy", PodIdentity.Of(FakeKubernetesApi.Pod("shop", "x", "10.1.0.4", app: "legacy"))!.Identity.Workload);

        var deployed = FakeKubernetesApi.Pod("shop", "checkout-7c5b8d9f4-x2x9z", "10.1.0.5", owner: Owner("ReplicaSet", "checkout-7c5b8d9f4"),
            labels: new Dictionary<string, string> { ["pod-template-hash"] = "7c5b8d9f4" });
        Assert.Equal("checkout", PodIdentity.Of(deployed)!.Identity.Workload);
        var bare = FakeKubernetesApi.Pod("shop", "rs-pod", "10.1.0.6", owner: Owner("ReplicaSet", "hand-made"));
        Assert.Equal("hand-made", PodIdentity.Of(bare)!.Identity.Workload); // no pod-template-hash: the name as it is
        Assert.Equal("db", PodIdentity.Of(FakeKubernetesApi.Pod("shop", "db-0", "10.1.0.7", owner: Owner("StatefulSet", "db")))!.Identity.Workload);
        var alone = PodIdentity.Of(FakeKubernetesApi.Pod("shop", "debug", "10.1.0.8"))!.Identity;
        Assert.Equal(("shop", "debug", "debug", "default"), (alone.Namespace, alone.Pod, alone.Workload, alone.ServiceAccount));
    }

    [Fact]
    public void Every_pod_address_is_indexed_but_host_network_finished_and_unaddressed_pods_are_not()
    {
        var dual = FakeKubernetesApi.Pod("shop", "web", "10.1.0.4", serviceAccount: "web");
        dual.Status.PodIPs = [new V1PodIP { Ip = "10.1.0.4" }, new V1PodIP { Ip = "fd00::4" }];
        var record = PodIdentity.Of(dual)!;
        Assert.Equal(["10.1.0.4", "fd00::4"], record.Addresses.Select(a => a.ToString()));
        Assert.Equal("web", record.Identity.ServiceAccount);

        var host = FakeKubernetesApi.Pod("kube-system", "node-exporter", "192.168.0.10");
        host.Spec.HostNetwork = true;
        Assert.Null(PodIdentity.Of(host));
        var done = FakeKubernetesApi.Pod("shop", "job-1", "10.1.0.9");
        done.Status.Phase = "Succeeded";
        Assert.Null(PodIdentity.Of(done));
        var pending = FakeKubernetesApi.Pod("shop", "pending", "10.1.0.10");
        pending.Status = new V1PodStatus { Phase = "Pending" };
        Assert.Null(PodIdentity.Of(pending));
    }
}
