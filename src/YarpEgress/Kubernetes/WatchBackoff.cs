namespace YarpEgress.Kubernetes;

/// <summary>
/// The wait before the next list or watch after a failure: 1 s, doubling per failure in a row up to 30 s, each wait
/// drawn at random from its upper half (so many gateways that lost the API together do not come back together), and
/// back to 1 s after a success. Waits run on the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class WatchBackoff(TimeProvider time)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    private int _failures;

    public void Succeeded() => _failures = 0;

    /// <summary>Counts a failure and returns the wait before the next try.</summary>
    public TimeSpan Next()
    {
        var ceiling = Math.Min(Cap.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 16)));
        _failures++;
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);
}
