namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// The destinations that moved the most bytes, by the space-saving algorithm (Metwally et al., 2005) with bytes as
/// weights: at most <see cref="Capacity"/> destinations are tracked; when a new one arrives at a full table it takes
/// the place of the smallest, inheriting its total as an error bound. A destination that moved more than
/// 1/<see cref="Capacity"/> of all bytes is never lost, and a flood of distinct names costs no memory beyond the table.
/// Fed by ended sessions; live ones are added when asked, so the figures are true while bytes flow.
/// </summary>
internal sealed class TopDestinations(int capacity = TopDestinations.DefaultCapacity)
{
    public const int DefaultCapacity = 1000;

    private readonly Dictionary<(string Host, int Port), Entry> _entries = [];
    private readonly SortedSet<Entry> _bySize = new(EntryOrder.Instance);
    private readonly Lock _gate = new();
    private long _sequence;
    private long _evicted;

    public int Capacity => capacity;

    /// <summary>Destinations that lost their place to a newer one.</summary>
    public long Evicted
    {
        get
        {
            lock (_gate)
            {
                return _evicted;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>A session ended: its bytes go to its destination (sessions that moved nothing are not counted).</summary>
    public void Add(string host, int port, long fromClient, long toClient)
    {
        if (fromClient + toClient <= 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue((host, port), out var entry))
            {
                _bySize.Remove(entry);
            }
            else
            {
                var floor = 0L;
                if (_entries.Count >= capacity)
                {
                    var smallest = _bySize.Min!;
                    _bySize.Remove(smallest);
                    _entries.Remove((smallest.Host, smallest.Port));
                    floor = smallest.Estimate;
                    _evicted++;
                }

                entry = new Entry(host, port, ++_sequence) { Floor = floor };
                _entries[(host, port)] = entry;
            }

            entry.FromClient += fromClient;
            entry.ToClient += toClient;
            entry.Connections++;
            _bySize.Add(entry);
        }
    }

    /// <summary>The <paramref name="top"/> largest, ended sessions plus the given live ones (host, port, bytes each way).</summary>
    public List<DestinationTotal> Top(int top, IEnumerable<(string Host, int Port, long FromClient, long ToClient)> live)
    {
        var totals = new Dictionary<(string, int), (long From, long To, long Connections, int Live, long Floor)>();
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                totals[(entry.Host, entry.Port)] = (entry.FromClient, entry.ToClient, entry.Connections, 0, entry.Floor);
            }
        }

        foreach (var (host, port, from, to) in live)
        {
            var t = totals.GetValueOrDefault((host, port));
            totals[(host, port)] = (t.From + from, t.To + to, t.Connections + 1, t.Live + 1, t.Floor);
        }

        var list = new List<DestinationTotal>(totals.Count);
        foreach (var ((host, port), t) in totals)
        {
            list.Add(new DestinationTotal(Authority(host, port), t.From, t.To, t.Connections, t.Live, t.Floor));
        }

        list.Sort(LargestFirst);
        return list.Count > top ? list.GetRange(0, top) : list;
    }

    private static int LargestFirst(DestinationTotal a, DestinationTotal b)
    {
        var bySize = (b.Bytes + b.UntrackedBytesUpTo).CompareTo(a.Bytes + a.UntrackedBytesUpTo);
        return bySize != 0 ? bySize : string.CompareOrdinal(a.Destination, b.Destination);
    }

    private static string Authority(string host, int port) => host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";

    private sealed class Entry(string host, int port, long sequence)
    {
        public string Host { get; } = host;

        public int Port { get; } = port;

        public long Sequence { get; } = sequence;

        public long FromClient { get; set; }

        public long ToClient { get; set; }

        public long Connections { get; set; }

        /// <summary>The total of the entry it replaced: what this destination may have moved before it was tracked.</summary>
        public long Floor { get; init; }

        public long Estimate => Floor + FromClient + ToClient;
    }

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry? x, Entry? y) =>
            x!.Estimate != y!.Estimate ? x.Estimate.CompareTo(y.Estimate) : x.Sequence.CompareTo(y.Sequence);
    }
}
