using System.Collections.Concurrent;
using System.Net;

namespace YarpEgress.Authentication;

/// <summary>
/// Bounds the password derivations one source address can cause: at most <see cref="MaxConcurrentPerSource"/> at a
/// time, and after more than <see cref="FreeFailures"/> failures in a row a back-off (1 s, doubling to 30 s) during
/// which it gets none. A success ends the back-off; failures are forgotten after <see cref="FailureMemory"/>. Only
/// sources with a derivation running or failures to remember are tracked, at most <see cref="MaxSources"/>; past that
/// a new source is refused (fail closed) until old entries expire.
/// </summary>
internal sealed class SourceThrottle(TimeProvider time)
{
    public const int MaxConcurrentPerSource = 2;
    public const int FreeFailures = 2;
    public const int MaxSources = 10_000;

    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan FailureMemory = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<IPAddress, State> _sources = new();

    /// <summary>True: the caller may run one derivation now, and must call <see cref="Exit"/> after it.</summary>
    public bool TryEnter(IPAddress source, out TimeSpan retryAfter)
    {
        while (true)
        {
            if (!_sources.TryGetValue(source, out var state))
            {
                if (_sources.Count >= MaxSources && !RemoveIdle())
                {
                    retryAfter = FirstBackoff;
                    return false;
                }

                state = _sources.GetOrAdd(source, _ => new State());
            }

            lock (state)
            {
                if (state.Removed)
                {
                    continue; // removed meanwhile: take the live one
                }

                var sinceFailure = time.GetElapsedTime(state.LastFailure);
                if (state.Failures > 0 && sinceFailure >= FailureMemory)
                {
                    (state.Failures, state.Backoff) = (0, TimeSpan.Zero);
                }

                if (state.Backoff > sinceFailure)
                {
                    retryAfter = state.Backoff - sinceFailure;
                    return false;
                }

                if (state.InFlight >= MaxConcurrentPerSource)
                {
                    retryAfter = FirstBackoff;
                    return false;
                }

                state.InFlight++;
                retryAfter = TimeSpan.Zero;
                return true;
            }
        }
    }

    /// <returns>The back-off this failure starts, or zero.</returns>
    public TimeSpan Exit(IPAddress source, bool verified)
    {
        if (!_sources.TryGetValue(source, out var state))
        {
            return TimeSpan.Zero;
        }

        var started = TimeSpan.Zero;

        lock (state)
        {
            state.InFlight--;
            if (verified)
            {
                (state.Failures, state.Backoff) = (0, TimeSpan.Zero);
            }
            else
            {
                state.Failures++;
                state.LastFailure = time.GetTimestamp();
                if (state.Failures > FreeFailures)
                {
                    var doublings = Math.Min(state.Failures - FreeFailures - 1, 5);
                    state.Backoff = started = TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << doublings, MaxBackoff.Ticks));
                }
            }

            if (state.InFlight == 0 && state.Failures == 0)
            {
                state.Removed = true;
                _sources.TryRemove(KeyValuePair.Create(source, state));
            }
        }

        return started;
    }

    /// <summary>Drops sources with nothing running and no back-off in force; true when there is room again.</summary>
    private bool RemoveIdle()
    {
        foreach (var (source, state) in _sources)
        {
            lock (state)
            {
                if (state.InFlight == 0 && state.Backoff <= time.GetElapsedTime(state.LastFailure))
                {
                    state.Removed = true;
                    _sources.TryRemove(KeyValuePair.Create(source, state));
                }
            }
        }

        return _sources.Count < MaxSources;
    }

    private sealed class State
    {
        public int InFlight;
        public int Failures;
        public long LastFailure;
        public TimeSpan Backoff;
        public bool Removed;
    }
}
