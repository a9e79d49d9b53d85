using System.Buffers;
using System.Text;
using CsCheck;
using YarpEgress.Listeners.HttpConnect;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Connect;

public sealed class ConnectRequestParserTests
{
    private const int Max = 16384;

    private static HeadParseStatus Parse(ReadOnlySequence<byte> buffer, out ConnectRequest request, out string error, out long consumed)
    {
        var status = ConnectRequestParser.TryParse(buffer, Max, out var end, out request, out error);
        consumed = buffer.Slice(buffer.Start, end).Length;
        return status;
    }

    private static HeadParseStatus Parse(string text, out ConnectRequest request, out string error) =>
        Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out request, out error, out _);

    [Theory]
    [InlineData("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "example.com:443")]
    [InlineData("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", "example.com:443")] // Java/Python style Host
    [InlineData("CONNECT example.com:443 HTTP/1.1\r\n\r\n", "example.com:443")]
    [InlineData("CONNECT [::1]:8443 HTTP/1.0\r\nUser-Agent: x\r\n\r\n", "[::1]:8443")]
    [InlineData("CONNECT a.b:1 HTTP/1.1\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n", "a.b:1")]
    public void Parses_valid_heads(string head, string authority)
    {
        Assert.Equal(HeadParseStatus.Complete, Parse(head, out var request, out var error));
        Assert.Equal(authority, request.Authority);
        Assert.Empty(error);
    }

    [Fact]
    public void Reads_Proxy_Authorization_and_stops_at_the_head_leaving_pipelined_bytes()
    {
        var bytes = Encoding.ASCII.GetBytes("CONNECT h:443 HTTP/1.1\r\nproxy-authorization: Basic Zm9vOmJhcg==\r\n\r\n\x16\x03\x01tls");
        Assert.Equal(HeadParseStatus.Complete, Parse(new ReadOnlySequence<byte>(bytes), out var request, out _, out var consumed));
        Assert.Equal("Basic Zm9vOmJhcg==", request.ProxyAuthorization);
        Assert.Equal(bytes.Length - 6, consumed);
    }

    [Theory]
    [InlineData("GET http://example.com/ HTTP/1.1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\n\r\n")]
    [InlineData("connect example.com:443 HTTP/1.1\r\n\r\n")] // methods are case-sensitive
    [InlineData("CONNECTX a:1 HTTP/1.1\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00")] // a TLS ClientHello sent to the HTTP port
    [InlineData("G")]
    public void Hands_every_other_request_on(string head) =>
        Assert.Equal(HeadParseStatus.NotConnect, Parse(head, out _, out _));

    [Theory]
    [InlineData("")]
    [InlineData("C")]
    [InlineData("CONNECT")]
    [InlineData("CONNECT ")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\n")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r")]
    public void Waits_for_more_bytes(string head) =>
        Assert.Equal(HeadParseStatus.Incomplete, Parse(head, out _, out _));

    [Theory]
    [InlineData("CONNECT  a:1 HTTP/1.1\r\n\r\n", "request line")]
    [InlineData("CONNECT a:1\r\n\r\n", "request line")]
    [InlineData("CONNECT a:1 HTTP/2\r\n\r\n", "HTTP/1.1 or HTTP/1.0")]
    [InlineData("CONNECT a:1 HTTP/1.1 \r\n\r\n", "HTTP/1.1 or HTTP/1.0")]
    [InlineData("CONNECT a\x01:1 HTTP/1.1\r\n\r\n", "control")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\nno colon here\r\n\r\n", "no 'name:'")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\n: empty name\r\n\r\n", "no 'name:'")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\nBad Name: v\r\n\r\n", "header name")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "folding")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", "control character")]
    [InlineData("CONNECT a:1 HTTP/1.1\r\nHost: a\0\r\n\r\n", "control character")]
    public void Refuses_malformed_heads_with_a_reason(string head, string reason)
    {
        Assert.Equal(HeadParseStatus.Invalid, Parse(head, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_head_over_the_cap_whether_or_not_it_has_ended()
    {
        var endless = "CONNECT a:1 HTTP/1.1\r\nX: " + new string('a', Max);
        Assert.Equal(HeadParseStatus.TooLarge, Parse(endless, out _, out _));
        var complete = endless + "\r\n\r\n";
        Assert.Equal(HeadParseStatus.TooLarge, Parse(complete, out _, out _));
        var justFits = "CONNECT a:1 HTTP/1.1\r\nX: ";
        justFits += new string('a', Max - justFits.Length - 4) + "\r\n\r\n";
        Assert.Equal(Max, justFits.Length);
        Assert.Equal(HeadParseStatus.Complete, Parse(justFits, out _, out _));
    }

    [Fact]
    public void Gives_the_same_answer_for_every_split_and_byte_by_byte()
    {
        var bytes = Encoding.ASCII.GetBytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic eA==\r\n\r\nextra");
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(HeadParseStatus.Complete, Parse(Segments.Split(bytes, cut), out var request, out _, out var consumed));
            Assert.Equal("example.com:443", request.Authority);
            Assert.Equal("Basic eA==", request.ProxyAuthorization);
            Assert.Equal(bytes.Length - 5, consumed);
        }

        Assert.Equal(HeadParseStatus.Complete, Parse(Segments.Bytewise(bytes), out var bytewise, out _, out _));
        Assert.Equal("example.com:443", bytewise.Authority);

        // Every proper prefix of the head asks for more.
        for (var length = 0; length < bytes.Length - 5; length++)
        {
            Assert.Equal(HeadParseStatus.Incomplete, Parse(Segments.Bytewise(bytes[..length]), out _, out _, out _));
        }
    }

    [Fact]
    public void Property_random_and_mutated_heads_never_throw_and_never_consume_past_the_input()
    {
        var valid = Encoding.ASCII.GetBytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n");
        var mutated = Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 4], Gen.Byte.Array[1, 4], Gen.Int[0, valid.Length])
            .Select((positions, values, truncate) =>
            {
                var copy = (byte[])valid.Clone();
                for (var i = 0; i < positions.Length; i++)
                {
                    copy[positions[i]] = values[i % values.Length];
                }

                return copy[..Math.Max(truncate, 8)];
            });
        var random = Gen.Select(Gen.Const("CONNECT "u8.ToArray()), Gen.Byte.Array[0, 200], (prefix, tail) => prefix.Concat(tail).ToArray());
        Gen.OneOf(mutated, random, Gen.Byte.Array[0, 64]).Select(Gen.Int[0, 300]).Sample((bytes, cut) =>
        {
            var buffer = Segments.Split(bytes, cut);
            var status = ConnectRequestParser.TryParse(buffer, 128, out var end, out var request, out var error);
            Assert.InRange(buffer.Slice(buffer.Start, end).Length, 0, bytes.Length);
            if (status == HeadParseStatus.Complete)
            {
                Assert.False(string.IsNullOrEmpty(request.Authority));
            }
            else if (status is HeadParseStatus.Invalid or HeadParseStatus.TooLarge)
            {
                Assert.NotEmpty(error);
            }
        }, iter: 20000);
    }

    [Theory]
    [InlineData("CONNECT a.b:443 HTTP/1.1\nHost: a.b\n\n")]
    [InlineData("CONNECT a.b:443 HTTP/1.1\n")]
    [InlineData("CONNECT a.b:443 HTTP/1.1\r\nHost: a.b\n")]
    [InlineData("CONNECT a.b:443 HTTP/1.1\r\nHost: a.b\r\n\n")]
    public void Refuses_bare_LF_line_ends_before_the_head_is_complete(string head)
    {
        var bytes = Encoding.ASCII.GetBytes(head);
        foreach (var buffer in new[] { new ReadOnlySequence<byte>(bytes), Segments.Bytewise(bytes) })
        {
            Assert.Equal(HeadParseStatus.Invalid, Parse(buffer, out _, out var error, out _));
            Assert.Equal("request-head lines must end in CRLF, not a bare LF", error);
        }
    }

    [Fact]
    public void A_CRLF_split_between_segments_is_no_bare_LF()
    {
        var bytes = Encoding.ASCII.GetBytes("CONNECT a.b:443 HTTP/1.1\r\nHost: a.b\r\n");
        var cr = Array.IndexOf(bytes, (byte)'\r');
        Assert.Equal(HeadParseStatus.Incomplete, Parse(Segments.Split(bytes, cr + 1), out _, out _, out _));
        Assert.Equal(HeadParseStatus.Incomplete, Parse(Segments.Bytewise(bytes), out _, out _, out _));
    }
}
