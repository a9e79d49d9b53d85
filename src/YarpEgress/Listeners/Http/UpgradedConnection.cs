using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Telemetry;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// Stands in for Kestrel's <see cref="IHttpUpgradeFeature"/> on a plain-HTTP request that asks for an upgrade
/// (<c>GET http://host/ws</c> with <c>Upgrade: websocket</c>), so that after the 101 the connection is measured and
/// bounded like a tunnel: the upgraded stream counts its bytes on the session as they flow, the tunnel lifetime and the
/// shutdown drain end it, and <see cref="StopReason"/> says which did.
/// </summary>
internal sealed class UpgradedConnection(IHttpUpgradeFeature inner, ProxySession session, HttpContext context, TimeProvider time, TimeSpan? lifetime, CancellationToken closing)
    : IHttpUpgradeFeature, IDisposable
{
    private ITimer? _lifetime;
    private CancellationTokenRegistration _drain;
    private int _stopReason = -1;

    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The 101 went to the client: the request became a connection.</summary>
    public bool Upgraded { get; private set; }

    /// <summary>Set when the gateway, not a side, ended the connection: <c>lifetime_exceeded</c> or <c>drained</c>.</summary>
    public ConnectionEnd? StopReason => Volatile.Read(ref _stopReason) is var reason and >= 0 ? (ConnectionEnd)reason : null;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = await inner.UpgradeAsync();
        Upgraded = true;
        if (lifetime is { } max)
        {
            _lifetime = time.CreateTimer(static state => ((UpgradedConnection)state!).Stop(ConnectionEnd.LifetimeExceeded), this, max, Timeout.InfiniteTimeSpan);
        }

        _drain = closing.Register(static state => ((UpgradedConnection)state!).Stop(ConnectionEnd.Drained), this);
        return new MeteredStream(stream, session);
    }

    private void Stop(ConnectionEnd reason)
    {
        Interlocked.CompareExchange(ref _stopReason, (int)reason, -1);
        context.Abort();
    }

    public void Dispose()
    {
        _lifetime?.Dispose();
        _drain.Dispose();
    }
}
