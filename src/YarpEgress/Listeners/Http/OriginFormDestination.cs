using Microsoft.Extensions.Primitives;
using YarpEgress.Addressing;
using YarpEgress.Proxying;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// The destination of an origin-form request (<c>GET /path</c>, what an Istio sidecar's <c>http:</c> route sends):
/// the <c>Host</c> header, <c>host[:port]</c> with port 80 when absent, parsed as strictly as an absolute-form authority.
/// </summary>
internal static class OriginFormDestination
{
    public static bool TryGet(StringValues host, out Destination destination, out ProxyError refusal)
    {
        destination = default;
        refusal = default;
        var value = host.Count == 1 ? host[0] : null;
        if (string.IsNullOrEmpty(value))
        {
            refusal = ProxyError.BadRequest(host.Count > 1
                ? "an origin-form request needs exactly one Host header"
                : "an origin-form request (GET /path) needs a Host header naming the destination");
            return false;
        }

        if (value.Contains('@'))
        {
            refusal = ProxyError.BadRequest("user information in the Host header is not accepted");
            return false;
        }

        if (!Destination.TryParse(value, defaultPort: 80, out destination, out var error))
        {
            refusal = ProxyError.BadRequest($"the Host header does not name a destination: {error}");
            return false;
        }

        return true;
    }
}
