using System.Collections.Concurrent;
using YarpEgress.Addressing;
using YarpEgress.Policy;

namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// Every destination name the allowlist was asked about since start, per client, for <c>/allowlist/suggested</c>. At
/// most <c>Egress:Suggest:MaxNames</c> (client, name) pairs are kept; decisions for new names past that are only
/// counted (<see cref="Untracked"/>), so a flood of random names costs no memory. IP literals and internal names
/// (<see cref="InternalNames"/>) are counted, never kept: they are never suggested. The first name past the cap is
/// logged (event 1100), once.
/// </summary>
internal sealed class SeenDestinations(Func<int> maxNames, ILogger? logger = null)
{
    private readonly ConcurrentDictionary<(string? Client, string Host), SeenDestination> _seen = new();
    private int _count;
    private long _ipLiterals;
    private long _internalNames;
    private long _untracked;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Decisions for IP-literal destinations.</summary>
    public long IpLiterals => Interlocked.Read(ref _ipLiterals);

    /// <summary>Decisions for internal names (single-label, <c>.local</c>, <c>.internal</c>, ...).</summary>
    public long InternalNameDecisions => Interlocked.Read(ref _internalNames);

    /// <summary>Decisions for names first seen after the cap was reached.</summary>
    public long Untracked => Interlocked.Read(ref _untracked);

    /// <summary>The allowlist answered for this client (null: none) and destination.</summary>
    public void Decided(string? client, in Destination destination, DecisionOutcome outcome)
    {
        if (destination.IsAddress)
        {
            Interlocked.Increment(ref _ipLiterals);
            return;
        }

        if (InternalNames.Is(destination.Host))
        {
            Interlocked.Increment(ref _internalNames);
            return;
        }

        if (Find(client, destination.Host) is { } seen)
        {
            seen.Count(outcome, destination.Port);
        }
        else if (Interlocked.Increment(ref _untracked) == 1 && logger is not null)
        {
            InsightsLog.NamesCapReached(logger, maxNames());
        }
    }

    /// <summary>The address policy refused every address the name resolved to: a private destination, never suggested.</summary>
    public void AddressRefused(string? client, string host)
    {
        if (_seen.TryGetValue((client, host), out var seen))
        {
            seen.CountAddressRefused();
        }
    }

    /// <summary>The names kept, in no order.</summary>
    public List<SeenDestination> All() => [.. _seen.Values];

    private SeenDestination? Find(string? client, string host)
    {
        if (_seen.TryGetValue((client, host), out var seen))
        {
            return seen;
        }

        if (Interlocked.Increment(ref _count) > maxNames())
        {
            Interlocked.Decrement(ref _count);
            return null;
        }

        var added = new SeenDestination(client, host);
        if (!_seen.TryAdd((client, host), added))
        {
            Interlocked.Decrement(ref _count); // another thread added it first
            return _seen[(client, host)];
        }

        return added;
    }
}
