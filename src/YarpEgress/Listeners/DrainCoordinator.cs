using YarpEgress.Configuration;

namespace YarpEgress.Listeners;

/// <summary>
/// Graceful shutdown. When the host begins to stop (SIGTERM), /readyz turns false at once and, before any service
/// stops, the listeners stay open for <c>Timeouts:DrainDelay</c> so load balancers move away; then the server stops
/// accepting, and live tunnels get <c>Timeouts:Drain</c> more before <see cref="TunnelsClosing"/> closes them; plain-HTTP
/// requests still in flight then are aborted (<see cref="BoundRequestAsync"/>), so shutdown is not held to the host's
/// timeout by a slow response. Both periods are those in force when shutdown begins, which the composition root
/// reads for it (<c>timeouts</c>).
/// </summary>
internal sealed class DrainCoordinator : IHostedLifecycleService, IDisposable
{
    private readonly Func<TimeoutOptions> _timeouts;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _closing = new();
    private ITimer? _timer;
    private int _draining;

    public DrainCoordinator(IHostApplicationLifetime lifetime, Func<TimeoutOptions> timeouts, TimeProvider time)
    {
        _timeouts = timeouts;
        _time = time;
        lifetime.ApplicationStopping.Register(BeginDrain);
    }

    /// <summary>True from the moment shutdown begins.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>Cancelled when live tunnels must end: the drain delay and period after shutdown began are over.</summary>
    public CancellationToken TunnelsClosing => _closing.Token;

    /// <summary>
    /// Runs a forwarded request, aborting it (the client's connection, and with it the upstream request) if it is still
    /// in flight when the drain period ends.
    /// </summary>
    public async Task BoundRequestAsync(HttpContext context, RequestDelegate next)
    {
        using var closing = _closing.Token.UnsafeRegister(static state => ((HttpContext)state!).Abort(), context);
        await next(context);
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        return Task.Delay(_timeouts().DrainDelay, _time, cancellationToken);
    }

    private void BeginDrain()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 0)
        {
            var timeouts = _timeouts();
            _timer = _time.CreateTimer(_ => _closing.Cancel(), null, timeouts.DrainDelay + timeouts.Drain, Timeout.InfiniteTimeSpan);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _timer?.Dispose();
        _closing.Dispose();
    }
}
