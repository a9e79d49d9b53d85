using YarpEgress.Policy.Headers;

namespace YarpEgress.Configuration.Compilation;

/// <summary><c>Egress:Http</c>: the request headers that never leave the gateway, and the <c>Via</c> header it adds.</summary>
internal static class HttpCompiler
{
    public static (HeaderStripList Strip, ViaHeader? Via) Compile(HttpOptions http, ConfigErrors errors)
    {
        var strip = HeaderStripList.Compile(http.StripRequestHeaders ?? HttpOptions.DefaultStripRequestHeaders, errors.Scope(nameof(http.StripRequestHeaders)));
        var via = ViaHeader.Compile(http.Via, errors.Scope(nameof(http.Via)));
        return (strip, via);
    }
}
