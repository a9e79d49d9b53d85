using System.Net.Http.Headers;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy.Headers;

namespace YarpEgress.Tests.Forwarding;

public sealed class HeaderStripListTests
{
    [Theory]
    [InlineData("x-envoy-peer-metadata", true)]
    [InlineData("X-ENVOY-ATTEMPT-COUNT", true)]
    [InlineData("x-envoy-", true)]
    [InlineData("x-envoy", false)]
    [InlineData("x-envoyish", false)]
    [InlineData("X-Forwarded-Client-Cert", true)]
    [InlineData("x-forwarded-client-cert-x", false)]
    [InlineData("x-forwarded-for", false)]
    [InlineData("host", false)]
    [InlineData("é-x", false)]
    public void Matches_names_case_insensitively_with_trailing_wildcards(string name, bool expected)
    {
        var errors = new List<string>();
        var list = HeaderStripList.Compile(["x-envoy-*", "x-forwarded-client-cert"], new ConfigErrors(errors, "k"));
        Assert.Empty(errors);
        Assert.Equal(expected, list.Matches(name));
    }

    [Fact]
    public void Removes_every_match_and_nothing_else()
    {
        var list = HeaderStripList.Compile(["x-envoy-*", "x-forwarded-client-cert"], new ConfigErrors([], "k"));
        using var request = new HttpRequestMessage();
        HttpHeaders headers = request.Headers;
        foreach (var name in new[] { "x-envoy-a", "Accept", "x-envoy-b", "X-Forwarded-Client-Cert", "x-kept", "x-envoy-c" })
        {
            headers.TryAddWithoutValidation(name, "v");
        }

        list.RemoveFrom(headers);
        Assert.Equal(["Accept", "x-kept"], headers.NonValidated.Select(h => h.Key));
    }

    [Fact]
    public void An_empty_list_matches_nothing()
    {
        var list = HeaderStripList.Compile([], new ConfigErrors([], "k"));
        Assert.True(list.IsEmpty);
        Assert.False(list.Matches("x-envoy-a"));
    }

    [Fact]
    public void Reports_entries_that_are_not_header_names_with_their_key()
    {
        var errors = new List<string>();
        HeaderStripList.Compile(["ok", "*", "", "x y", "x-*-y", "x:y"], new ConfigErrors(errors, "Egress:Http:StripRequestHeaders"));
        Assert.Equal(
            [
                "Egress:Http:StripRequestHeaders:1: '*' names no header ('*' alone would strip every header)",
                "Egress:Http:StripRequestHeaders:2: '' names no header",
                "Egress:Http:StripRequestHeaders:3: 'x y' is not a header name (letters, digits and !#$%&'+-.^_`|~, with an optional trailing '*')",
                "Egress:Http:StripRequestHeaders:4: 'x-*-y' is not a header name (letters, digits and !#$%&'+-.^_`|~, with an optional trailing '*')",
                "Egress:Http:StripRequestHeaders:5: 'x:y' is not a header name (letters, digits and !#$%&'+-.^_`|~, with an optional trailing '*')",
            ],
            errors);
    }

    [Fact]
    public void Checking_and_stripping_allocate_nothing()
    {
        var list = HeaderStripList.Compile(["x-envoy-*", "x-forwarded-client-cert"], new ConfigErrors([], "k"));
        using var kept = new HttpRequestMessage();
        foreach (var name in new[] { "Accept", "User-Agent", "x-request-id", "traceparent", "X-Envoyish" })
        {
            kept.Headers.TryAddWithoutValidation(name, "v");
        }

        using var stripped = new HttpRequestMessage();
        list.RemoveFrom(kept.Headers); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            list.RemoveFrom(kept.Headers);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(5, kept.Headers.NonValidated.Count);

        stripped.Headers.TryAddWithoutValidation("x-envoy-peer-metadata", "m");
        stripped.Headers.TryAddWithoutValidation("X-Forwarded-Client-Cert", "c");
        stripped.Headers.TryAddWithoutValidation("Accept", "a");
        before = GC.GetAllocatedBytesForCurrentThread();
        list.RemoveFrom(stripped.Headers);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(["Accept"], stripped.Headers.NonValidated.Select(h => h.Key));
    }
}
