using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Tls;

/// <summary>
/// Peeks at a connection's ClientHello: reads until the parser has an answer (examining, never consuming), under a
/// deadline and a byte cap, and leaves every byte in the pipe for whoever reads next (the copier or Kestrel's TLS).
/// </summary>
internal static class ClientHelloReader
{
    public static async Task<ClientHelloRead> PeekAsync(PipeReader input, int maxBytes, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cancel.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return new ClientHelloRead(ClientHelloStatus.Incomplete, default, $"no complete ClientHello within {timeout.TotalSeconds:0.###} s", TimedOut: true);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or ConnectionAbortedException or IOException)
            {
                return new ClientHelloRead(ClientHelloStatus.Incomplete, default, "the client went away", TimedOut: false);
            }

            var buffer = result.Buffer;
            var status = ClientHelloParser.TryParse(buffer, maxBytes, out var hello, out var error);
            if (status == ClientHelloStatus.Incomplete && !result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            input.AdvanceTo(buffer.Start);
            if (status == ClientHelloStatus.Incomplete)
            {
                error = "the client closed before its ClientHello was complete";
            }

            return new ClientHelloRead(status, hello, error, TimedOut: false);
        }
    }
}
