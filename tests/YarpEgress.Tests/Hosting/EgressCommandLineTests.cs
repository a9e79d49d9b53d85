using YarpEgress.Hosting;

namespace YarpEgress.Tests.Hosting;

/// <summary>How the command line and <c>EGRESS_CONFIG</c> name the override file and the overrides (the errors are tested through the real program).</summary>
public sealed class EgressCommandLineTests
{
    [Fact]
    public void The_config_path_comes_from_the_option_before_the_variable()
    {
        var line = EgressCommandLine.Parse(["--config", "a.json", "--Egress:Admin:Port=9902", "--Logging:LogLevel:Default", "Warning"], "b.json");
        Assert.Empty(line.Errors);
        Assert.Equal("a.json", line.ConfigPath);
        Assert.Equal("--config", line.ConfigOrigin);
        Assert.Equal("9902", line.Settings["Egress:Admin:Port"]);
        Assert.Equal("Warning", line.Settings["Logging:LogLevel:Default"]);

        line = EgressCommandLine.Parse([], "b.json");
        Assert.Equal(("b.json", "EGRESS_CONFIG"), (line.ConfigPath, line.ConfigOrigin));
        Assert.Null(EgressCommandLine.Parse([], string.Empty).ConfigPath);
    }

    [Fact]
    public void A_second_config_or_an_override_without_a_value_is_an_error()
    {
        var line = EgressCommandLine.Parse(["--config=a.json", "--config", "b.json", "--Egress:Mode"], null);
        Assert.Equal(
            [
                "command line: --config is given twice ('a.json', 'b.json'); give one file",
                "command line: --Egress:Mode needs a value (--Egress:Mode=VALUE)",
            ],
            line.Errors);
        Assert.Equal("a.json", line.ConfigPath);
    }
}
