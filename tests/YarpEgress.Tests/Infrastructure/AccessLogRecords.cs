using Microsoft.Extensions.Logging.Testing;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>The access-log events of a gateway started with fake logging (<c>services.AddLogging(b => b.AddFakeLogging())</c>).</summary>
internal static class AccessLogRecords
{
    /// <summary>Waits (up to about four seconds) until at least <paramref name="count"/> events were written, and returns them all.</summary>
    public static async Task<IReadOnlyList<FakeLogRecord>> WaitAsync(TestGateway gateway, int count)
    {
        var collector = gateway.Services.GetFakeLogCollector();
        IReadOnlyList<FakeLogRecord> records = [];
        for (var i = 0; i < 200 && records.Count < count; i++)
        {
            records = [.. collector.GetSnapshot().Where(r => r.Category == "YarpEgress.AccessLog")];
            if (records.Count < count)
            {
                await Task.Delay(20);
            }
        }

        return records;
    }

    public static string? Field(this FakeLogRecord record, string name) => record.StructuredState!.Single(kv => kv.Key == name).Value;
}
