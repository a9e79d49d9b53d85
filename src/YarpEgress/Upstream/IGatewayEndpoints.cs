using System.Net;

namespace YarpEgress.Upstream;

/// <summary>The endpoints this gateway listens on, which the address policy never dials (known once the listeners are bound).</summary>
internal interface IGatewayEndpoints
{
    IEnumerable<IPEndPoint> BoundEndPoints();
}
