namespace YarpEgress.Tunneling;

/// <summary>How long a tunnel may stay silent, and how long it may live at all (null: no limit).</summary>
internal readonly record struct TunnelTimeouts(TimeSpan Idle, TimeSpan? Lifetime);
