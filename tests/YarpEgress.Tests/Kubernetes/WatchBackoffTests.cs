using YarpEgress.Kubernetes;

namespace YarpEgress.Tests.Kubernetes;

/// <summary>The reconnect back-off: doubling from 1 s, capped at 30 s, each wait in the upper half of its step, reset by a success.</summary>
public sealed class WatchBackoffTests
{
    [Fact]
    public void Waits_double_up_to_the_cap_jittered_within_the_upper_half_and_start_over_after_a_success()
    {
        var backoff = new WatchBackoff(TimeProvider.System);
        for (var round = 0; round < 50; round++)
        {
            var ceiling = 1.0;
            for (var failure = 0; failure < 10; failure++)
            {
                var wait = backoff.Next().TotalSeconds;
                Assert.InRange(wait, ceiling / 2, ceiling);
                ceiling = Math.Min(ceiling * 2, 30);
            }

            backoff.Succeeded();
        }
    }
}
