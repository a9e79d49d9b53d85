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

    /// <summary>No byte moved either way for <c>Timeouts:TunnelIdle</c>.</summary>
    IdleTimeout,

    /// <summary>The tunnel reached <c>Timeouts:TunnelLifetime</c>.</summary>
    LifetimeExceeded,

    /// <summary>The gateway shut the tunnel (shutdown drain over, or cancellation).</summary>
    Cancelled,
}
