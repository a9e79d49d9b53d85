using YarpEgress.Configuration;

namespace YarpEgress.Tests.Configuration;

public sealed class LayeredConfigurationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    private const string Defaults = """
        {
          "Egress": {
            "Listeners": [
              { "Name": "proxy", "Port": 3128 },
              { "Name": "second", "Port": 3129 }
            ],
            "Admin": { "Address": "127.0.0.1", "Port": 9901 },
            "Allow": [ { "Host": "example.com" }, { "Host": "example.org" } ]
          }
        }
        """;

    [Fact]
    public void A_list_in_the_override_file_replaces_the_default_list_whole()
    {
        var config = ConfigFiles.Load(_files.Write(Defaults), _files.Write("""
            { "Egress": { "Listeners": [ { "Name": "only", "Port": 8080 } ], "Admin": { "Port": 9902 } } }
            """));
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(config, errors);
        Assert.Empty(errors);
        var listener = Assert.Single(snapshot!.Options.Listeners);
        Assert.Equal("only", listener.Name);
        Assert.Equal(8080, listener.Port);
        Assert.Equal("127.0.0.1", listener.Address); // the listener's own default, not the default file's second entry
        // Objects still merge key by key; untouched lists stay.
        Assert.Equal(9902, snapshot.Options.Admin.Port);
        Assert.Equal("127.0.0.1", snapshot.Options.Admin.Address);
        Assert.Equal(2, snapshot.Options.Allow.Count);
    }

    [Fact]
    public void An_empty_list_in_the_override_file_empties_the_list()
    {
        var config = ConfigFiles.Load(_files.Write(Defaults), _files.Write("""{ "Egress": { "Allow": [] } }"""));
        var snapshot = EgressConfigLoader.Load(config, []);
        Assert.Empty(snapshot!.Options.Allow);
    }

    [Fact]
    public void A_missing_override_file_is_a_config_error()
    {
        var errors = new List<string>();
        Assert.Null(EgressConfigLoader.Load(ConfigFiles.Load(_files.Write(Defaults), "/nonexistent/egress.json"), errors));
        Assert.Contains("/nonexistent/egress.json", Assert.Single(errors), StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
