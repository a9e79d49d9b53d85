namespace YarpEgress.Tunneling;

/// <summary>How a tunnel ended.</summary>
internal enum TunnelEnd
{
    /// <summary>Both sides closed their sending half in an orderly way (FIN).</summary>
    Closed,

    /// <summary>The client reset or aborted the connection.</summary>
    ClientReset,

    /// <summary>The upstream reset the connection.</summary>
    UpstreamReset,

    /// <summary>The gateway shut the tunnel (shutdown or cancellation).</summary>
    Cancelled,
}
