using YarpEgress.Configuration;
using YarpEgress.Configuration.Loading;

namespace YarpEgress.Tests.Configuration;

/// <summary>The mesh-facing keys: <c>Listeners:N:OriginForm</c>, <c>Listeners:N:ProxyProtocol</c>, <c>Http:StripRequestHeaders</c>.</summary>
public sealed class MeshConfigValidationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    private EgressSnapshot? Load(string egress, out List<string> errors)
    {
        errors = [];
        return EgressConfigLoader.Load(ConfigFiles.Load(_files.Write($$"""{ "Egress": { "Admin": { "Port": 0 }, {{egress}} } }""")), errors);
    }

    [Fact]
    public void Reports_every_mistake_with_its_key_path()
    {
        Assert.Null(Load("""
            "Listeners": [
              { "Name": "proxy", "Port": 0, "OriginForm": "Refuse", "ProxyProtocol": { "TrustedSources": ["10.0.0.0/8", "10.0.0.1/8", "lb"] } },
              { "Name": "tls", "Port": 0, "Protocol": "Sni", "OriginForm": "Forward", "ProxyProtocol": { "TrustedSources": ["fd00::/8"] } }
            ],
            "Http": { "StripRequestHeaders": ["x-envoy-*", "bad header"] }
            """, out var errors));
        Assert.Equal(
            [
                "Egress:Listeners:0:ProxyProtocol:TrustedSources:1: '10.0.0.1/8' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "Egress:Listeners:0:ProxyProtocol:TrustedSources:2: 'lb' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "Egress:Listeners:1:OriginForm: applies to Http listeners only",
                "Egress:Http:StripRequestHeaders:1: 'bad header' is not a header name (letters, digits and !#$%&'+-.^_`|~, with an optional trailing '*')",
            ],
            errors);
    }

    [Fact]
    public void Reports_values_and_keys_that_do_not_bind()
    {
        Assert.Null(Load("""
            "Listeners": [ { "Name": "proxy", "Port": 0, "OriginForm": "Sometimes", "ProxyProtocol": { "Trusted": [] } } ],
            "Http": { "Strip": [] }
            """, out var errors));
        Assert.Equal(3, errors.Count);
        Assert.Equal("Egress:Http:Strip: unknown key (known: StripRequestHeaders, Via)", errors[0]);
        Assert.StartsWith("Egress:Listeners:0:OriginForm: 'Sometimes' is not ", errors[1], StringComparison.Ordinal);
        Assert.Equal("Egress:Listeners:0:ProxyProtocol:Trusted: unknown key (known: TrustedSources)", errors[2]);
        Assert.Contains("Forward", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_forward_origin_form_trust_no_one_and_strip_the_sidecar_headers()
    {
        var snapshot = Load("""
            "Listeners": [ { "Name": "proxy", "Port": 0 } ]
            """, out var errors);
        Assert.Empty(errors);
        var proxy = snapshot!.SettingsOf("proxy");
        Assert.Equal(OriginFormMode.Forward, proxy.OriginForm);
        Assert.Empty(proxy.TrustedProxySources);
        Assert.True(snapshot.StripRequestHeaders.Matches("x-envoy-peer-metadata"));
        Assert.True(snapshot.StripRequestHeaders.Matches("x-forwarded-client-cert"));
    }

    [Fact]
    public void An_empty_strip_list_keeps_everything_and_trusted_sources_match_mapped_addresses()
    {
        var snapshot = Load("""
            "Listeners": [ { "Name": "proxy", "Port": 0, "OriginForm": "Refuse", "ProxyProtocol": { "TrustedSources": ["10.0.0.0/8", "2001:db8::/32"] } } ],
            "Http": { "StripRequestHeaders": [] }
            """, out var errors);
        Assert.Empty(errors);
        Assert.True(snapshot!.StripRequestHeaders.IsEmpty);
        var proxy = snapshot.SettingsOf("proxy");
        Assert.Equal(OriginFormMode.Refuse, proxy.OriginForm);
        Assert.True(proxy.TrustsProxyHeaderFrom(System.Net.IPAddress.Parse("10.20.30.40")));
        Assert.True(proxy.TrustsProxyHeaderFrom(System.Net.IPAddress.Parse("::ffff:10.20.30.40")));
        Assert.True(proxy.TrustsProxyHeaderFrom(System.Net.IPAddress.Parse("2001:db8::5")));
        Assert.False(proxy.TrustsProxyHeaderFrom(System.Net.IPAddress.Parse("11.0.0.1")));
        Assert.False(proxy.TrustsProxyHeaderFrom(null));
    }

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Via_is_None_by_default_or_a_token_pseudonym()
    {
        var snapshot = Load("""
            "Listeners": [ { "Name": "proxy", "Port": 0 } ]
            """, out var errors);
        Assert.Empty(errors);
        Assert.Null(snapshot!.Via);

        snapshot = Load("""
            "Listeners": [ { "Name": "proxy", "Port": 0 } ], "Http": { "Via": "egress-1" }
            """, out errors);
        Assert.Empty(errors);
        Assert.Equal("1.1 egress-1", snapshot!.Via!.Http11);
        Assert.Equal("1.0 egress-1", snapshot.Via.Http10);

        Assert.Null(Load("""
            "Listeners": [ { "Name": "proxy", "Port": 0 } ], "Http": { "Via": "my proxy" }
            """, out errors));
        Assert.Equal(["Egress:Http:Via: 'my proxy' is not a pseudonym: use None, or a token such as yarp-egress (letters, digits and !#$%&'*+-.^_`|~)"], errors);
    }
}
