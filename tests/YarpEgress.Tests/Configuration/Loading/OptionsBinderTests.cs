using Microsoft.Extensions.Configuration;
using YarpEgress.Configuration.Loading;

namespace YarpEgress.Tests.Configuration.Loading;

/// <summary>The key-by-key binder on shapes the options do not use yet, so a new option of such a type binds (or is reported) too.</summary>
public sealed class OptionsBinderTests
{
    public sealed class Shapes
    {
        public int[] Ports { get; set; } = [];

        public IReadOnlyList<TimeSpan> Delays { get; set; } = [];

        public Dictionary<string, int> Weights { get; set; } = [];

        public long? Big { get; set; }

        public Uri? Link { get; set; }
    }

    private static (Shapes Value, List<string> Errors) Bind(Dictionary<string, string?> data)
    {
        var errors = new List<string>();
        var section = new ConfigurationBuilder().AddInMemoryCollection(data).Build().GetSection("S");
        return (new OptionsBinder(errors).Bind<Shapes>(section), errors);
    }

    [Fact]
    public void Binds_arrays_list_interfaces_dictionaries_and_converter_types()
    {
        var (value, errors) = Bind(new()
        {
            ["S:Ports:0"] = "80",
            ["S:Ports:1"] = "443",
            ["S:Delays:0"] = "00:00:01",
            ["S:Weights:a"] = "3",
            ["S:Big"] = "5000000000",
            ["S:Link"] = "http://parent.example:3128/",
        });
        Assert.Empty(errors);
        Assert.Equal([80, 443], value.Ports);
        Assert.Equal([TimeSpan.FromSeconds(1)], value.Delays);
        Assert.Equal(3, value.Weights["a"]);
        Assert.Equal(5_000_000_000, value.Big);
        Assert.Equal("parent.example", value.Link!.Host);
    }

    [Fact]
    public void Reports_each_bad_element_with_its_path()
    {
        var (_, errors) = Bind(new()
        {
            ["S:Ports:0"] = "80",
            ["S:Ports:1"] = "http",
            ["S:Ports:x"] = "1",
            ["S:Delays:0"] = "1s",
            ["S:Weights:a"] = "heavy",
            ["S:Big:inner"] = "1",
            ["S:Nope"] = "1",
        });
        Assert.Equal(
            [
                "S:Big: expected a single value, found an object or a list",
                "S:Delays:0: '1s' is not a time span: expected one such as 00:00:30 (hh:mm:ss, d.hh:mm:ss or hh:mm:ss.fff)",
                "S:Nope: unknown key (known: Ports, Delays, Weights, Big, Link)",
                "S:Ports:1: 'http' is not a whole number",
                "S:Ports:x: expected a list, found the key 'x'",
                "S:Weights:a: 'heavy' is not a whole number",
            ],
            errors);
    }
}
