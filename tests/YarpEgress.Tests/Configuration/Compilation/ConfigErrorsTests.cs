using System.Net;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Diagnostics;

namespace YarpEgress.Tests.Configuration.Compilation;

public sealed class ConfigErrorsTests
{
    [Fact]
    public void Scopes_write_their_key_path_into_the_one_list()
    {
        var list = new List<string>();
        var errors = new ConfigErrors(list);
        var route = errors.Scope("Routes", 2);
        route.Add("a route needs Upstream");
        route.Add("Port", "70000 is not a port (1-65535)");
        route.Scope("Via").Add(0, "first entry");
        ((IErrorSink)errors).Scope("Hosts").Add("a.example", "pinned twice");
        errors.Scope("Allow").Scope(1).Add("x");
        Assert.Equal("Egress:Routes:2", route.Key);
        Assert.Equal(
            [
                "Egress:Routes:2: a route needs Upstream",
                "Egress:Routes:2:Port: 70000 is not a port (1-65535)",
                "Egress:Routes:2:Via:0: first entry",
                "Egress:Hosts:a.example: pinned twice",
                "Egress:Allow:1: x",
            ],
            list);
    }

    [Fact]
    public void A_mark_tells_whether_any_scope_added_an_error_since()
    {
        var errors = new ConfigErrors([]);
        errors.Add("before");
        var mark = errors.Mark();
        Assert.False(errors.HasErrorsSince(mark));
        errors.Scope("Clients", 0).Positive("Timeout", TimeSpan.FromSeconds(1));
        Assert.False(errors.HasErrorsSince(mark));
        errors.Scope("Clients", 0).Add("Name", "a client needs a name");
        Assert.True(errors.HasErrorsSince(mark));
    }

    [Fact]
    public void The_shared_checks_say_the_same_thing_in_every_section()
    {
        var list = new List<string>();
        var errors = new ConfigErrors(list, "K");
        errors.Port("Port", null);
        errors.Port("Port", 65535);
        errors.Port("Port", 0);
        errors.Positive("Connect", TimeSpan.Zero);
        errors.NotNegative("Drain", TimeSpan.Zero);
        errors.NotNegative("Drain", TimeSpan.FromSeconds(-1));
        errors.NotNegative("Trim", TimeSpan.FromSeconds(-1), zeroMeans: "00:00:00 turns it off");
        errors.Within("Bytes", 1024, 1024, 1048576);
        errors.Within("Bytes", 10, 1024, 1048576);
        Assert.Equal(
            [
                "K:Port: 0 is not a port (1-65535)",
                "K:Connect: must be positive, got 00:00:00",
                "K:Drain: must not be negative, got -00:00:01",
                "K:Trim: must not be negative (00:00:00 turns it off), got -00:00:01",
                "K:Bytes: 10 is outside 1024-1048576",
            ],
            list);
    }

    [Fact]
    public void Cidr_ranges_must_say_what_they_mean()
    {
        var list = new List<string>();
        var errors = new ConfigErrors(list, "K");
        var networks = errors.Networks("Sources", ["10.0.0.0/8", " 192.0.2.7 ", "10.0.0.1/8", "fd00::/8", "2001:db8::1", "lb", "10.0.0.0/33"]);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("192.0.2.7/32"), IPNetwork.Parse("fd00::/8"), IPNetwork.Parse("2001:db8::1/128")], networks);
        Assert.True(errors.Cidr("Cidr", "172.16.0.0/12", out var one));
        Assert.Equal(IPNetwork.Parse("172.16.0.0/12"), one);
        Assert.False(errors.Cidr("Cidr", "172.16.0.1/12", out _));
        Assert.Equal(
            [
                "K:Sources:2: '10.0.0.1/8' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "K:Sources:5: 'lb' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "K:Sources:6: '10.0.0.0/33' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "K:Cidr: '172.16.0.1/12' is not a CIDR range (address/prefix with no host bits set, or one address)",
            ],
            list);
    }
}
