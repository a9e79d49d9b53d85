namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// The last <see cref="Capacity"/> denied or reported decisions, in a ring: a flood of refusals overwrites the oldest,
/// so memory stays the same however many arrive; <see cref="Total"/> still counts them all.
/// </summary>
internal sealed class RecentDenials(int capacity = RecentDenials.DefaultCapacity)
{
    public const int DefaultCapacity = 200;

    private readonly DenialRecord?[] _ring = new DenialRecord?[capacity];
    private readonly Lock _gate = new();
    private long _total;

    public int Capacity => _ring.Length;

    /// <summary>Every denial recorded since start, the overwritten ones included.</summary>
    public long Total => Volatile.Read(ref _total);

    public void Add(DenialRecord denial)
    {
        lock (_gate)
        {
            _ring[_total % _ring.Length] = denial;
            Volatile.Write(ref _total, _total + 1);
        }
    }

    /// <summary>The ones still held, newest first.</summary>
    public DenialRecord[] Newest()
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_total, _ring.Length);
            var newest = new DenialRecord[count];
            for (var i = 0; i < count; i++)
            {
                newest[i] = _ring[(_total - 1 - i) % _ring.Length]!;
            }

            return newest;
        }
    }
}
