namespace YarpEgress.Tests.Infrastructure;

/// <summary>Waits for a condition that the gateway reaches on its own (a pool idling out, a close being noticed), within a bound.</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan bound)
    {
        using var deadline = new CancellationTokenSource(bound);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
