using System.Net.Sockets;

namespace YarpEgress.Bench;

/// <summary><c>connect-bulk</c> / <c>sni-bulk</c>: long streams, one per concurrency slot, from the source (down) or into the sink (up).</summary>
internal static class BulkScenario
{
    private const int BufferSize = 256 * 1024;

    public static Task<Measurement> RunAsync(BenchOptions options, Dialer dialer) =>
        new LoadRun(options).RunAsync(async run =>
        {
            var buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
            var down = options.Direction == "down";
            while (!run.Stopping.IsCancellationRequested)
            {
                try
                {
                    var (socket, early) = await dialer.OpenAsync(down ? UpstreamMode.Source : UpstreamMode.Sink, run.Stopping);
                    using (socket)
                    {
                        run.Moved(early);
                        while (true)
                        {
                            var moved = down
                                ? await socket.ReceiveAsync(buffer, SocketFlags.None, run.Stopping)
                                : await socket.SendAsync(buffer, SocketFlags.None, run.Stopping);
                            if (moved == 0)
                            {
                                throw new IOException("the stream ended");
                            }

                            run.Moved(moved);
                        }
                    }
                }
                catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    run.Failed(ex);
                }
            }
        });
}
