using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy;

namespace YarpEgress.Tests.Policy;

public sealed class PortSetTests
{
    [Fact]
    public void Parses_ports_and_ranges()
    {
        var errors = new List<string>();
        var set = PortSet.Parse(["443", "8000-8100", " 22 "], new ConfigErrors(errors, "Egress:Allow:0:Ports"));
        Assert.Empty(errors);
        Assert.NotNull(set);
        Assert.True(set.Contains(443));
        Assert.True(set.Contains(8000));
        Assert.True(set.Contains(8050));
        Assert.True(set.Contains(8100));
        Assert.True(set.Contains(22));
        Assert.False(set.Contains(8101));
        Assert.False(set.Contains(80));
    }

    [Fact]
    public void Reports_every_bad_entry_with_its_index()
    {
        var errors = new List<string>();
        var set = PortSet.Parse(["443", "0", "9000-8000", "http", "70000"], new ConfigErrors(errors, "Egress:Allow:2:Ports"));
        Assert.Null(set);
        Assert.Equal(
            [
                "Egress:Allow:2:Ports:1: '0' is not a port (1-65535) or a port range such as 8000-8100",
                "Egress:Allow:2:Ports:2: '9000-8000' is not a port (1-65535) or a port range such as 8000-8100",
                "Egress:Allow:2:Ports:3: 'http' is not a port (1-65535) or a port range such as 8000-8100",
                "Egress:Allow:2:Ports:4: '70000' is not a port (1-65535) or a port range such as 8000-8100",
            ],
            errors);
    }

    [Fact]
    public void Defaults_are_web_ports_and_all_ports()
    {
        Assert.True(PortSet.Web.Contains(80) && PortSet.Web.Contains(443) && !PortSet.Web.Contains(8080));
        Assert.True(PortSet.All.Contains(1) && PortSet.All.Contains(65535));
    }
}
