using System.Net;
using YarpEgress.Kubernetes;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>The address index: the last pod to claim an address holds it, and removals go by UID.</summary>
public sealed class PodIndexTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.4.7.12");
    private static readonly IPAddress B = IPAddress.Parse("fd00::12");

    private static PodRecord Pod(string uid, string ns, string name, params IPAddress[] addresses) =>
        new(uid, new WorkloadIdentity(ns, name, name, "default"), addresses);

    [Fact]
    public void An_address_reused_by_a_new_pod_maps_to_it_and_the_old_pods_late_removal_leaves_it()
    {
        var index = new PodIndex();
        index.Upsert(Pod("old", "team-a", "web-1", A));
        index.Upsert(Pod("new", "team-b", "batch-1", A));
        Assert.Equal("batch-1", index.Find(A)?.Pod);
        index.Remove("old");
        Assert.Equal("batch-1", index.Find(A)?.Pod);
        index.Remove("new");
        Assert.Null(index.Find(A));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void A_modified_pod_keeps_the_addresses_it_still_has_and_gives_up_the_others()
    {
        var index = new PodIndex();
        index.Upsert(Pod("p", "team-a", "web-1", A, B));
        Assert.Equal("web-1", index.Find(B)?.Pod);
        Assert.Equal("web-1", index.Find(IPAddress.Parse("::ffff:10.4.7.12"))?.Pod); // a dual-stack listener's view of A
        index.Upsert(Pod("p", "team-a", "web-1-renamed", A));
        Assert.Equal("web-1-renamed", index.Find(A)?.Pod);
        Assert.Null(index.Find(B));
        Assert.Null(index.Find(null));
    }

    [Fact]
    public void A_list_replaces_its_scope_only()
    {
        var index = new PodIndex();
        var other = IPAddress.Parse("10.0.0.9");
        index.Upsert(Pod("a", "team-a", "web-1", A));
        index.Upsert(Pod("b", "team-b", "batch-1", other));
        index.Replace("team-a", [Pod("c", "team-a", "web-2", B)]);
        Assert.Null(index.Find(A));
        Assert.Equal("web-2", index.Find(B)?.Pod);
        Assert.Equal("batch-1", index.Find(other)?.Pod);

        index.Replace(null, [Pod("b", "team-b", "batch-1", other)]);
        Assert.Equal(1, index.Count);
        index.Clear("team-b");
        Assert.Null(index.Find(other));
    }
}
