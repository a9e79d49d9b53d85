using Microsoft.Extensions.Hosting;
using YarpEgress.Configuration;

namespace YarpEgress.Hosting;

/// <summary>
/// Graceful shutdown. On SIGTERM /readyz turns false at once; this hosted service, stopped before the web server, keeps
/// the listeners open for <c>Timeouts:DrainDelay</c> so load balancers can move away; then the server stops accepting,
/// and live tunnels get <c>Timeouts:Drain</c> before <see cref="TunnelsClosing"/> closes them.
/// </summary>
internal sealed class DrainCoordinator : IHostedService, IDisposable
{
    private readonly EgressConfigStore _config;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _closing = new();
    private ITimer? _timer;

    public DrainCoordinator(IHostApplicationLifetime lifetime, EgressConfigStore config, TimeProvider time)
    {
        _config = config;
        _time = time;
        lifetime.ApplicationStopping.Register(() =>
        {
            var timeouts = _config.Current.Timeouts;
            _timer = _time.CreateTimer(_ => _closing.Cancel(), null, timeouts.DrainDelay + timeouts.Drain, Timeout.InfiniteTimeSpan);
        });
    }

    /// <summary>Cancelled when live tunnels must end: the drain period after shutdown began is over.</summary>
    public CancellationToken TunnelsClosing => _closing.Token;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.Delay(_config.Current.Timeouts.DrainDelay, _time, cancellationToken);

    public void Dispose()
    {
        _timer?.Dispose();
        _closing.Dispose();
    }
}
