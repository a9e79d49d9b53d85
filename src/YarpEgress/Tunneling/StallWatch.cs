using System.Net.Sockets;

namespace YarpEgress.Tunneling;

/// <summary>
/// Watches the source of a tunnel direction whose send is waiting for its destination to take bytes. Such a direction
/// does not read its source, and when the other direction waits on the same far side, no operation is pending on that
/// source at all: a reset of it would go unnoticed until the idle timeout. While any send waits, a timer polls the
/// waiting directions' sources every <see cref="Interval"/> for a pending error (a poll, no read: the bytes queued
/// before the reset stay where they are) and stops the tunnel with that side's reset. The timer exists only once a
/// send has waited and is parked whenever none does, so tunnels that flow freely, or idle, pay nothing.
/// </summary>
internal sealed class StallWatch(TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private TunnelControl? _relay;
    private Socket? _client;
    private Socket? _upstream;
    private ITimer? _timer;
    private int _armed;

    /// <summary>
    /// A send of one direction is waiting: watch <paramref name="source"/>, the socket it copies from (the client's
    /// for the upload). Returns true, so the caller calls <see cref="End"/> when the send completes.
    /// </summary>
    public bool Begin(bool upload, Socket source, TunnelControl relay)
    {
        if (upload)
        {
            Volatile.Write(ref _client, source);
        }
        else
        {
            Volatile.Write(ref _upstream, source);
        }

        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            Arm(relay);
        }

        return true;
    }

    public void End(bool upload)
    {
        if (upload)
        {
            Volatile.Write(ref _client, null);
        }
        else
        {
            Volatile.Write(ref _upstream, null);
        }
    }

    private void Arm(TunnelControl relay)
    {
        if (_timer is null)
        {
            _relay = relay;
            _timer = time.CreateTimer(static state => ((StallWatch)state!).Check(), this, Interval, Interval);
            return;
        }

        Change(Interval);
    }

    private void Check()
    {
        var client = Volatile.Read(ref _client);
        var upstream = Volatile.Read(ref _upstream);
        if (client is null && upstream is null)
        {
            Park();
        }
        else if (client is not null && SocketHealth.PendingError(client) is { } clientError)
        {
            _relay!.Stop(TunnelEnd.ClientReset, clientError);
        }
        else if (upstream is not null && SocketHealth.PendingError(upstream) is { } upstreamError)
        {
            _relay!.Stop(TunnelEnd.UpstreamReset, upstreamError);
        }
    }

    /// <summary>No send waits: stop the timer, unless one began meanwhile (then whoever re-arms first restarts it).</summary>
    private void Park()
    {
        if (!Change(Timeout.InfiniteTimeSpan))
        {
            return;
        }

        Interlocked.Exchange(ref _armed, 0);
        if ((Volatile.Read(ref _client) ?? Volatile.Read(ref _upstream)) is not null && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            Change(Interval);
        }
    }

    private bool Change(TimeSpan due)
    {
        try
        {
            return _timer!.Change(due, due == Timeout.InfiniteTimeSpan ? due : Interval);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => _timer?.Dispose();
}
