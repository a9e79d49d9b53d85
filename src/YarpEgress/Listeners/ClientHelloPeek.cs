using System.Buffers;
using System.IO.Pipelines;
using YarpEgress.Configuration;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners;

/// <summary>
/// Peeks at a connection's ClientHello (SNI listeners, and CONNECT tunnels under <c>RequireTlsSniMatch</c>): reads until
/// the parser has an answer, within <c>Timeouts:ClientHello</c> and <c>Limits:MaxClientHelloBytes</c>, and leaves every
/// byte in the pipe for whoever reads next (the relay or Kestrel's TLS).
/// </summary>
internal static class ClientHelloPeek
{
    public static async ValueTask<ClientHelloRead> PeekAsync(PipeReader input, EgressSnapshot snapshot, TimeProvider time, CancellationToken clientGone)
    {
        var timeout = snapshot.Timeouts.ClientHello;
        var (outcome, parser) = await PipePeek.PeekAsync(input, new Parser(snapshot.Limits.MaxClientHelloBytes), timeout, time, clientGone);
        var error = outcome switch
        {
            PeekOutcome.TimedOut => $"no complete ClientHello within {timeout.TotalSeconds:0.###} s",
            PeekOutcome.ClientGone => "the client went away before its ClientHello was complete",
            _ => parser.Error ?? string.Empty,
        };
        return new ClientHelloRead(outcome, parser.Hello, error);
    }

    private struct Parser(int maxBytes) : IPeekParser
    {
        public ClientHello Hello { get; private set; }

        public string? Error { get; private set; }

        public PeekOutcome? TryParse(in ReadOnlySequence<byte> buffer, bool isFinal, out SequencePosition consumed)
        {
            consumed = buffer.Start; // a peek: nothing is consumed
            var status = ClientHelloParser.TryParse(buffer, maxBytes, out var hello, out var error);
            Hello = hello;
            Error = error;
            return status switch
            {
                ClientHelloStatus.Incomplete => null,
                ClientHelloStatus.Complete => PeekOutcome.Parsed,
                ClientHelloStatus.NotTls => PeekOutcome.NotThisProtocol,
                ClientHelloStatus.TooLarge => PeekOutcome.TooLarge,
                _ => PeekOutcome.Malformed,
            };
        }
    }
}
