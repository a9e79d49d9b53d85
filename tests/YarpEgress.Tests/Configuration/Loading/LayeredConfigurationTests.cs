using YarpEgress.Configuration.Loading;

namespace YarpEgress.Tests.Configuration.Loading;

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

    /// <summary>Found by fuzzing (fuzz/corpus/config): a string that is not UTF-8 threw InvalidOperationException out of the load.</summary>
    [Fact]
    public void A_file_that_is_not_UTF8_is_a_config_error()
    {
        var path = _files.Write(string.Empty);
        File.WriteAllBytes(path, [.. "{ \"Egress\": { \"Mode\": \""u8, 0xC3, 0x28, .. "\" } }"u8]);
        var errors = new List<string>();
        Assert.Null(EgressConfigLoader.Load(ConfigFiles.Load(_files.Write(Defaults), path), errors));
        Assert.Equal($"{path}: the file is not UTF-8 text", Assert.Single(errors));
    }

    /// <summary>Found by fuzzing (fuzz/corpus/config): a key with a line feed made its error two lines in the log.</summary>
    [Fact]
    public void An_error_about_a_key_with_control_characters_stays_one_line()
    {
        var errors = new List<string>();
        Assert.Null(EgressConfigLoader.Load(ConfigFiles.Load(_files.Write(Defaults), _files.Write("""{ "Egress": { "List\ners": 1 } }""")), errors));
        var error = Assert.Single(errors);
        Assert.StartsWith(@"Egress:List\ners: unknown key", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Reports_broken_json_with_the_file_and_line()
    {
        var errors = new List<string>();
        Assert.Null(EgressConfigLoader.Load(ConfigFiles.Load(_files.Write("{\n  \"Egress\": {\n    \"Listeners\": [ }\n}")), errors));
        var error = Assert.Single(errors);
        Assert.Contains("invalid JSON at line 3", error, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
