namespace YarpEgress.Configuration;

/// <summary><c>Egress:Listeners:N:OriginForm</c>: what an HTTP listener does with <c>GET /path</c> plus <c>Host</c>.</summary>
public enum OriginFormMode
{
    /// <summary>Forward it to the Host header's destination, decided like an absolute-form request (what an Istio sidecar sends).</summary>
    Forward,

    /// <summary>Answer 400: this is a proxy; send absolute-form requests or CONNECT.</summary>
    Refuse,
}
