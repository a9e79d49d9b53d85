namespace YarpEgress.Hosting;

/// <summary>
/// Tells when a busy stretch has given way to a quiet period, once per change: each period's allocation goes in, and
/// the answer is true for the first quiet period after at least one busy one.
/// </summary>
internal sealed class QuietAfterBusy(long quietBytes)
{
    private bool _busy;

    public bool Observe(long allocatedInPeriod)
    {
        if (allocatedInPeriod >= quietBytes)
        {
            _busy = true;
            return false;
        }

        var changed = _busy;
        _busy = false;
        return changed;
    }
}
