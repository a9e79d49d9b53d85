using CsCheck;
using YarpEgress.Bench;

namespace YarpEgress.Tests.Bench;

/// <summary>The load tool's latency histogram: exact below 64 µs, within 2 % above, and percentiles by rank.</summary>
public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(50, 500)]
    [InlineData(99, 990)]
    [InlineData(99.9, 999)]
    [InlineData(100, 1000)]
    public void Percentiles_of_1_to_1000_microseconds(double percentile, long expected)
    {
        var histogram = new LatencyHistogram();
        for (var micros = 1; micros <= 1000; micros++)
        {
            histogram.Record(micros);
        }

        var actual = histogram.Percentile(percentile);
        Assert.InRange(actual, expected, expected * 1.02 + 1);
    }

    [Fact]
    public void An_empty_histogram_reports_zero() => Assert.Equal(0, new LatencyHistogram().Percentile(99));

    [Fact]
    public void A_single_value_is_every_percentile_within_two_percent() =>
        Gen.Long[0, 10_000_000].Sample(micros =>
        {
            var histogram = new LatencyHistogram();
            histogram.Record(micros);
            var reported = histogram.Percentile(50);
            return reported >= micros && reported <= micros * 1.02 + 1 && histogram.Percentile(99.9) == reported;
        });
}
