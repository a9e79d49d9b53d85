using System.Runtime;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;

namespace YarpEgress.Hosting;

/// <summary>
/// Returns memory after a load: the GC keeps the heap a load grew (9,000 tunnels left RSS near its peak), so once a
/// busy period is followed by one of <c>Egress:Memory:IdleTrimAfter</c> with little allocation, one aggressive
/// collection compacts every generation, the large-object heap included, and decommits what is free. It runs once
/// per busy-then-quiet change, never while traffic flows.
/// </summary>
internal sealed partial class IdleMemoryTrimmer(EgressConfigStore config, TimeProvider time, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    /// <summary>Allocated in one period, below which the gateway counts as quiet.</summary>
    internal const long QuietBytes = 8L * 1024 * 1024;

    /// <summary>How often the setting is looked at again while it is off (a reload may turn it on).</summary>
    private static readonly TimeSpan OffRecheck = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastAllocated = GC.GetTotalAllocatedBytes();
        var load = new QuietAfterBusy(QuietBytes);
        while (true)
        {
            var period = config.Current.Options.Memory.IdleTrimAfter;
            try
            {
                await Task.Delay(period > TimeSpan.Zero ? period : OffRecheck, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var allocated = GC.GetTotalAllocatedBytes();
            if (load.Observe(allocated - lastAllocated) && period > TimeSpan.Zero)
            {
                Trim();
                allocated = GC.GetTotalAllocatedBytes();
            }

            lastAllocated = allocated;
        }
    }

    private void Trim()
    {
        var before = Environment.WorkingSet;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        LogTrimmed(logger, before / (1024 * 1024), Environment.WorkingSet / (1024 * 1024));
    }

    [LoggerMessage(EventId = LogEvents.MemoryTrimmed, EventName = nameof(LogEvents.MemoryTrimmed), Level = LogLevel.Information, Message = "Quiet after a busy period: memory trimmed, working set {BeforeMiB} MiB -> {AfterMiB} MiB")]
    private static partial void LogTrimmed(ILogger logger, long beforeMiB, long afterMiB);
}
