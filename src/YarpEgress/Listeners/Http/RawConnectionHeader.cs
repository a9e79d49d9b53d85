using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// The client's <c>Connection</c> header as its bytes arrived. Kestrel replaces a single <c>Connection</c> field that
/// lists <c>keep-alive</c> or <c>close</c> by that word alone (<c>keep-alive, X-Hop</c> becomes <c>keep-alive</c>),
/// so the headers it named would leak. This reader sits between the transport and Kestrel on HTTP listeners and looks
/// at each request head before Kestrel parses it; it keeps the raw value only when it names more than
/// <c>keep-alive</c>/<c>close</c> (no allocation otherwise), with the request line it belongs to. Body bytes are not
/// looked at: the scan is armed again when the gateway has finished a request.
/// </summary>
internal sealed class RawConnectionHeader(PipeReader inner) : PipeReader
{
    private const int MaxScan = 64 * 1024;

    private bool _atHead = true;
    private string? _requestLine;
    private string? _connection;

    /// <summary>The raw <c>Connection</c> value of the request whose line is <c>method target</c>, if it named more than Kestrel kept.</summary>
    public string? For(string method, string rawTarget)
    {
        if (_connection is null || _requestLine is not { } line)
        {
            return null;
        }

        var span = line.AsSpan();
        return span.StartsWith(method, StringComparison.Ordinal) && span.Length > method.Length + 1 && span[method.Length] == ' '
            && span[(method.Length + 1)..].StartsWith(rawTarget, StringComparison.Ordinal) ? _connection : null;
    }

    /// <summary>The gateway is done with a request: the next read that starts a head is scanned.</summary>
    public void NextRequest()
    {
        _atHead = true;
        _requestLine = _connection = null;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken);
        if (_atHead)
        {
            Scan(result.Buffer);
        }

        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        if (_atHead)
        {
            Scan(result.Buffer);
        }

        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    private void Scan(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: false))
        {
            _atHead = buffer.Length < MaxScan; // wait for the rest of the head (Kestrel enforces its own limit)
            return;
        }

        _atHead = false;
        var bytes = head.IsSingleSegment ? head.FirstSpan : head.ToArray();
        var lineEnd = bytes.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return;
        }

        var requestLine = bytes[..lineEnd];
        var rest = bytes[(lineEnd + 2)..];
        StringBuilder? connection = null;
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 2)..];
            if (line.Length > 11 && Ascii.EqualsIgnoreCase(line[..11], "connection:"u8))
            {
                var value = line[11..].Trim(" \t"u8);
                if (!Ascii.EqualsIgnoreCase(value, "keep-alive"u8) && !Ascii.EqualsIgnoreCase(value, "close"u8))
                {
                    (connection ??= new StringBuilder()).Append(connection.Length > 0 ? "," : string.Empty).Append(Encoding.Latin1.GetString(value));
                }
            }
        }

        if (connection is not null)
        {
            _requestLine = Encoding.Latin1.GetString(requestLine);
            _connection = connection.ToString();
        }
    }
}
