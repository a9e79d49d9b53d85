using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Transport;

/// <summary>
/// Reads a connection's first message under a deadline, the one loop behind the PROXY header, the CONNECT head and the
/// ClientHello: examine what arrived (<c>AdvanceTo(start, end)</c> while the parser needs more), then consume only a
/// parsed message's bytes and leave everything else in the pipe for whoever reads next. The deadline runs on the
/// <see cref="TimeProvider"/>; the client leaving (its token, a reset, the end of its input) ends
/// the wait too, each told apart in the <see cref="PeekOutcome"/>.
/// </summary>
internal static class PipePeek
{
    public static async ValueTask<(PeekOutcome Outcome, TParser Parser)> PeekAsync<TParser>(
        PipeReader input, TParser parser, TimeSpan timeout, TimeProvider time, CancellationToken clientGone)
        where TParser : struct, IPeekParser
    {
        // One token source: the deadline's, which the client leaving cancels too (no linked source to allocate).
        using var deadline = new CancellationTokenSource(timeout, time);
        using var gone = clientGone.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return (clientGone.IsCancellationRequested ? PeekOutcome.ClientGone : PeekOutcome.TimedOut, parser);
            }
            catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or IOException)
            {
                return (PeekOutcome.ClientGone, parser);
            }

            var buffer = result.Buffer;
            var outcome = parser.TryParse(buffer, result.IsCompleted, out var consumed);
            switch (outcome)
            {
                case null when !result.IsCompleted:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                case null:
                    input.AdvanceTo(buffer.Start); // the input ended mid-message: every byte stays for whoever reads next
                    return (PeekOutcome.ClientGone, parser);
                case PeekOutcome.Parsed:
                    input.AdvanceTo(consumed);
                    return (PeekOutcome.Parsed, parser);
                case PeekOutcome.NotThisProtocol:
                    input.AdvanceTo(buffer.Start);
                    return (PeekOutcome.NotThisProtocol, parser);
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return (outcome.Value, parser);
            }
        }
    }
}
