using System.Buffers;

namespace YarpEgress.Transport;

/// <summary>
/// The grammar half of <see cref="PipePeek"/>: a struct that looks at everything received so far and keeps what it
/// found in its own fields (the peek hands the struct back), so a peek allocates nothing for its parser.
/// </summary>
internal interface IPeekParser
{
    /// <summary>Null while more bytes are needed; otherwise the outcome.</summary>
    /// <param name="buffer">Everything received and not consumed, from the start of the connection's message.</param>
    /// <param name="isFinal">The client's input has ended: no more bytes will come.</param>
    /// <param name="consumed">With <see cref="PeekOutcome.Parsed"/>: how far the message ends (<c>buffer.Start</c> to consume nothing).</param>
    PeekOutcome? TryParse(in ReadOnlySequence<byte> buffer, bool isFinal, out SequencePosition consumed);
}
