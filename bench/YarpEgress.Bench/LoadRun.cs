using System.Diagnostics;

namespace YarpEgress.Bench;

/// <summary>
/// One measured run: workers start at once and run through a warm-up; only operations and bytes inside the measured
/// window count, and the proxy's CPU time and RSS are sampled at its edges. The warm-up lasts at least until the first
/// operation (or byte) is done, and the window at least until one is done inside it, each within
/// <see cref="WorkBound"/>: a slow start (JIT, a busy machine) delays the window instead of emptying it.
/// </summary>
internal sealed class LoadRun(BenchOptions options)
{
    private static readonly TimeSpan WorkBound = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstWork = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _workInWindow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _measuring;
    private long _operations;
    private long _bytes;
    private long _errors;

    public LatencyHistogram Latency { get; } = new();

    public CancellationToken Stopping => _stop.Token;

    /// <summary>An operation that started at <paramref name="startTimestamp"/> completed.</summary>
    public void Completed(long startTimestamp)
    {
        if (_measuring)
        {
            Interlocked.Increment(ref _operations);
            Latency.RecordSince(startTimestamp);
        }

        Worked();
    }

    public void Moved(int bytes)
    {
        if (_measuring)
        {
            Interlocked.Add(ref _bytes, bytes);
        }

        if (bytes > 0)
        {
            Worked();
        }
    }

    private void Worked()
    {
        if (!_firstWork.Task.IsCompleted)
        {
            _firstWork.TrySetResult();
        }

        if (_measuring && !_workInWindow.Task.IsCompleted)
        {
            _workInWindow.TrySetResult();
        }
    }

    public void Failed(Exception exception)
    {
        if (!_stop.IsCancellationRequested && Interlocked.Increment(ref _errors) <= 3)
        {
            Console.Error.WriteLine($"error: {exception.GetType().Name}: {exception.Message}");
        }
    }

    public async Task<Measurement> RunAsync(Func<LoadRun, Task> worker)
    {
        var workers = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(() => worker(this))).ToArray();
        await Task.Delay(options.Warmup);
        await Task.WhenAny(_firstWork.Task, Task.Delay(WorkBound));

        var cpuBefore = options.Pid is { } pid ? ProcessProbe.CpuSeconds(pid) : 0;
        var started = Stopwatch.GetTimestamp();
        _measuring = true;
        await Task.Delay(options.Duration);
        await Task.WhenAny(_workInWindow.Task, Task.Delay(WorkBound));
        _measuring = false;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var proxyCpu = options.Pid is { } p ? ProcessProbe.CpuSeconds(p) - cpuBefore : double.NaN;
        var rss = options.Pid is { } q ? ProcessProbe.RssKiB(q) : -1;

        await _stop.CancelAsync();
        await Task.WhenAny(Task.WhenAll(workers), Task.Delay(TimeSpan.FromSeconds(5)));
        return new Measurement(Interlocked.Read(ref _operations), Interlocked.Read(ref _bytes), Interlocked.Read(ref _errors), elapsed, proxyCpu, rss, Latency);
    }
}
