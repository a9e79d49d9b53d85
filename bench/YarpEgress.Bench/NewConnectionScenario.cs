using System.Diagnostics;
using System.Net.Sockets;

namespace YarpEgress.Bench;

/// <summary>
/// <c>connect-newconn</c> / <c>sni-newconn</c>: one connection per operation (connect, tunnel set-up, first bytes, the
/// upstream's 64-byte answer, close), <c>concurrency</c> in flight; latency is the whole operation.
/// </summary>
internal static class NewConnectionScenario
{
    public static Task<Measurement> RunAsync(BenchOptions options, Dialer dialer) =>
        new LoadRun(options).RunAsync(async run =>
        {
            var buffer = new byte[4096];
            while (!run.Stopping.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var (socket, early) = await dialer.OpenAsync(UpstreamMode.RequestResponse, run.Stopping);
                    using (socket)
                    {
                        if (dialer.Path != PathKind.Sni)
                        {
                            await socket.SendAsync(dialer.Hello, SocketFlags.None, run.Stopping);
                        }

                        for (var got = early; got < Upstreams.AnswerBytes;)
                        {
                            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, run.Stopping);
                            got += read > 0 ? read : throw new IOException("closed before the answer");
                        }
                    }

                    run.Completed(started);
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
