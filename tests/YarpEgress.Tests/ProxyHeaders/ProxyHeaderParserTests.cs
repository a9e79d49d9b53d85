using System.Net;
using System.Text;
using CsCheck;
using YarpEgress.Listeners.ProxyHeaders;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.ProxyHeaders;

public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Rest = "GET / HTTP/1.1\r\n"u8.ToArray();

    private static ProxyHeaderStatus Parse(byte[] bytes, out ProxyHeader header, out int length, out string error) =>
        ProxyHeaderParser.TryParse(Segments.Split(bytes), out header, out length, out error);

    private static IPEndPoint EndPoint(string text) => IPEndPoint.Parse(text);

    /// <summary>Valid headers, each followed by the first bytes of the connection's payload, with the client they name.</summary>
    public static TheoryData<string, byte[], string?> Valid => new()
    {
        { "v1 TCP4", [.. "PROXY TCP4 10.1.2.3 192.0.2.1 56324 443\r\n"u8, .. Rest], "10.1.2.3:56324" },
        { "v1 TCP6", [.. "PROXY TCP6 2001:db8::1 2001:db8::2 1234 80\r\n"u8, .. Rest], "[2001:db8::1]:1234" },
        { "v1 TCP6, longest addresses", [.. "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe 65535 0\r\n"u8, .. Rest], "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
        { "v1 UNKNOWN", [.. "PROXY UNKNOWN\r\n"u8, .. Rest], null },
        { "v1 UNKNOWN with addresses", [.. "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"u8, .. Rest], null },
        { "v2 TCP4", [.. ProxyHeaderBytes.V2(EndPoint("10.1.2.3:5555"), EndPoint("192.0.2.1:443")), .. Rest], "10.1.2.3:5555" },
        { "v2 TCP6", [.. ProxyHeaderBytes.V2(EndPoint("[2001:db8::7]:6000"), EndPoint("[2001:db8::1]:443")), .. Rest], "[2001:db8::7]:6000" },
        {
            "v2 TCP4 with TLVs (ALPN, AWS VPC endpoint, NOOP padding, empty value)",
            [.. ProxyHeaderBytes.V2(EndPoint("10.9.8.7:1"), EndPoint("10.0.0.1:80"), (0x01, "h2"u8.ToArray()), (0xEA, [0x01, .. "vpce-0123456789abcdef"u8]), (0x04, new byte[40]), (0x05, [])), .. Rest],
            "10.9.8.7:1"
        },
        { "v2 LOCAL", [.. ProxyHeaderBytes.V2Local(), .. Rest], null },
        { "v2 LOCAL with a block it ignores", [.. ProxyHeaderBytes.V2Local([1, 2, 3, 0xFF, 0xFF]), .. Rest], null },
        { "v2 PROXY UNSPEC", [.. ProxyHeaderBytes.V2Raw(0x21, 0x00, [9, 9, 9]), .. Rest], null },
        { "v2 PROXY UNIX stream", [.. ProxyHeaderBytes.V2Raw(0x21, 0x31, new byte[216]), .. Rest], null },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_a_valid_header_at_every_split_point_and_consumes_only_the_header(string name, byte[] bytes, string? client)
    {
        Assert.Equal(ProxyHeaderStatus.Complete, Parse(bytes, out var whole, out var length, out var error));
        Assert.Empty(error);
        Assert.Equal(bytes.Length - Rest.Length, length);
        Assert.Equal(client, whole.Source?.ToString());
        Assert.Equal(name.StartsWith("v1", StringComparison.Ordinal) ? 1 : 2, whole.Version);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(Segments.Split(bytes, cut), out var split, out var splitLength, out _));
            Assert.Equal((whole, length), (split, splitLength));
        }

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(Segments.Bytewise(bytes), out var bytewise, out _, out _));
        Assert.Equal(whole, bytewise);

        // Every proper prefix of the header is only the start of one.
        for (var prefix = 0; prefix < length; prefix++)
        {
            Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyHeaderParser.TryParse(Segments.Split(bytes[..prefix], prefix / 2), out _, out _, out _));
        }
    }

    [Fact]
    public void Reads_both_endpoints()
    {
        Assert.Equal(ProxyHeaderStatus.Complete, Parse(ProxyHeaderBytes.V2(EndPoint("[2001:db8::7]:6000"), EndPoint("[2001:db8::1]:443")), out var v2, out _, out _));
        Assert.Equal(new ProxyHeader(2, EndPoint("[2001:db8::7]:6000"), EndPoint("[2001:db8::1]:443")), v2);
        Assert.Equal(ProxyHeaderStatus.Complete, Parse("PROXY TCP4 10.1.2.3 192.0.2.1 56324 443\r\n"u8.ToArray(), out var v1, out _, out _));
        Assert.Equal(new ProxyHeader(1, EndPoint("10.1.2.3:56324"), EndPoint("192.0.2.1:443")), v1);
    }

    public static TheoryData<string, byte[], string, string> Refused => new()
    {
        { "HTTP", "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), "NotProxy", "does not start with a PROXY protocol header" },
        { "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), "NotProxy", "does not start" },
        { "POST", "POST / HTTP/1.1\r\n"u8.ToArray(), "NotProxy", "does not start" },
        { "TLS ClientHello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01], "NotProxy", "does not start" },
        { "lower-case proxy", "proxy TCP4 10.1.2.3 10.1.2.4 1 2\r\n"u8.ToArray(), "NotProxy", "does not start" },
        { "CRLFs that are not the v2 signature", "\r\n\r\nGET / HTTP/1.1\r\n"u8.ToArray(), "NotProxy", "does not start" },
        { "v1 LF only", "PROXY TCP4 10.1.2.3 192.0.2.1 56324 443\n"u8.ToArray(), "Invalid", "must end with CRLF" },
        { "v1 bare", "PROXY \r\n"u8.ToArray(), "Invalid", "must name TCP4, TCP6 or UNKNOWN" },
        { "v1 TCP5", "PROXY TCP5 10.1.2.3 192.0.2.1 1 2\r\n"u8.ToArray(), "Invalid", "must name TCP4, TCP6 or UNKNOWN" },
        { "v1 short IPv4", "PROXY TCP4 10.1.2 192.0.2.1 1 2\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 octal IPv4", "PROXY TCP4 010.1.2.3 192.0.2.1 1 2\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 IPv4 part over 255", "PROXY TCP4 10.1.2.256 192.0.2.1 1 2\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 TCP4 with IPv6", "PROXY TCP4 ::1 ::2 1 2\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 TCP6 with IPv4", "PROXY TCP6 10.1.2.3 10.1.2.4 1 2\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 TCP6 with a scope", "PROXY TCP6 fe80::1%2 fe80::2 1 2\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 port over 65535", "PROXY TCP4 10.1.2.3 192.0.2.1 65536 443\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 port with a sign", "PROXY TCP4 10.1.2.3 192.0.2.1 +1 443\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 port with a leading zero", "PROXY TCP4 10.1.2.3 192.0.2.1 01 443\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 double space", "PROXY TCP4  10.1.2.3 192.0.2.1 1 443\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 trailing space", "PROXY TCP4 10.1.2.3 192.0.2.1 1 443 \r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 missing field", "PROXY TCP4 10.1.2.3 192.0.2.1 1\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 extra field", "PROXY TCP4 10.1.2.3 192.0.2.1 1 2 3\r\n"u8.ToArray(), "Invalid", "separated by single spaces" },
        { "v1 oversized", [.. "PROXY UNKNOWN "u8, .. Enumerable.Repeat((byte)'x', 100), .. "\r\n"u8], "TooLarge", "no end within 107 bytes" },
        { "v2 version 1", ProxyHeaderBytes.V2Raw(0x11, 0x11, new byte[12]), "Invalid", "needs version 2 and command LOCAL or PROXY, not 0x11" },
        { "v2 command 2", ProxyHeaderBytes.V2Raw(0x22, 0x11, new byte[12]), "Invalid", "not 0x22" },
        { "v2 UDP", ProxyHeaderBytes.V2Raw(0x21, 0x12, new byte[12]), "Invalid", "family and transport 0x12" },
        { "v2 unknown family", ProxyHeaderBytes.V2Raw(0x21, 0x41, new byte[12]), "Invalid", "family and transport 0x41" },
        { "v2 TCP4 block too short", ProxyHeaderBytes.V2Raw(0x21, 0x11, new byte[11]), "Invalid", "11-byte block is too short for its 12 bytes" },
        { "v2 TCP6 block too short", ProxyHeaderBytes.V2Raw(0x21, 0x21, new byte[12]), "Invalid", "too short for its 36 bytes" },
        { "v2 TLV overruns", ProxyHeaderBytes.V2Raw(0x21, 0x11, [.. new byte[12], 0x01, 0x00, 0x05, 0x68, 0x32]), "Invalid", "TLV of type 0x01 runs past" },
        { "v2 TLV header cut", ProxyHeaderBytes.V2Raw(0x21, 0x11, [.. new byte[12], 0x01, 0x00]), "Invalid", "runs past the header's length" },
        { "v2 block over the cap", ProxyHeaderBytes.V2Raw(0x21, 0x11, [], declaredLength: ProxyHeaderParser.MaxV2BlockLength + 1), "TooLarge", "2065 bytes is over the 2064-byte cap" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_what_is_not_a_valid_header_at_every_split_point(string name, byte[] bytes, string status, string reason)
    {
        var expected = Enum.Parse<ProxyHeaderStatus>(status);
        Assert.Equal(expected, Parse(bytes, out _, out var length, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(0, length);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(expected, ProxyHeaderParser.TryParse(Segments.Split(bytes, cut), out _, out _, out var splitError));
            Assert.Equal(error, splitError);
        }

        Assert.NotNull(name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PROXY")]
    [InlineData("PROXY TCP4 10.1.2.3 192.0.2.1 56324 443\r")]
    [InlineData("\r\n\r\n\0\r\nQUIT")]
    public void Waits_for_more_of_a_header_that_has_begun(string start) =>
        Assert.Equal(ProxyHeaderStatus.Incomplete, Parse(Encoding.Latin1.GetBytes(start), out _, out _, out _));

    [Fact]
    public void Sees_the_signature_before_the_header_is_whole()
    {
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.MatchSignature(Segments.Split("PROXY T"u8.ToArray(), 3), out var v1));
        Assert.Equal(1, v1);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.MatchSignature(Segments.Bytewise(ProxyHeaderBytes.V2Signature), out var v2));
        Assert.Equal(2, v2);
        Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyHeaderParser.MatchSignature(Segments.Split("PROX"u8.ToArray()), out _));
        Assert.Equal(ProxyHeaderStatus.NotProxy, ProxyHeaderParser.MatchSignature(Segments.Split("PUT "u8.ToArray()), out _));
    }

    [Fact]
    public void Random_bytes_never_throw_and_every_answer_is_consistent()
    {
        var v1Start = Gen.Byte.Array[0, 120].Select(tail => (byte[])[.. "PROXY "u8, .. tail]);
        var v1Text = Gen.Select(Gen.OneOf("TCP4 ", "TCP6 ", "UNKNOWN", "TCP4 1.2.3.4 5.6.7.8 ", "TCP6 ::1 ::2 "), Gen.Char["0123456789.: abcdef\r\n"].Array[0, 60])
            .Select((start, tail) => Encoding.ASCII.GetBytes($"PROXY {start}{new string(tail)}"));
        var v2Start = Gen.Select(Gen.Byte, Gen.Byte, Gen.UShort[0, 300], Gen.Byte.Array[0, 300])
            .Select((command, family, length, block) => ProxyHeaderBytes.V2Raw(command, family, block, length));
        Gen.OneOf(Gen.Byte.Array[0, 200], v1Start, v1Text, v2Start).Select(Gen.Int[0, 400]).Sample((bytes, cut) =>
        {
            var status = ProxyHeaderParser.TryParse(Segments.Split(bytes, cut), out var header, out var length, out var error);
            Assert.True(Enum.IsDefined(status));
            if (status == ProxyHeaderStatus.Complete)
            {
                Assert.InRange(length, 15, bytes.Length);
                Assert.Equal(header.Source is null, header.Destination is null);
            }
            else
            {
                Assert.Equal(0, length);
                Assert.Equal(status == ProxyHeaderStatus.Incomplete, error.Length == 0);
            }
        }, iter: 20000);
    }

    [Fact]
    public void Generated_v2_headers_round_trip()
    {
        var endPoints = Gen.Bool.SelectMany(v6 => Gen.Select(Gen.Byte.Array[v6 ? 16 : 4], Gen.Byte.Array[v6 ? 16 : 4], Gen.UShort, Gen.UShort))
            .Select((source, destination, sourcePort, destinationPort) => (new IPEndPoint(new IPAddress(source), sourcePort), new IPEndPoint(new IPAddress(destination), destinationPort)));
        var tlvs = Gen.Select(Gen.Byte, Gen.Byte.Array[0, 40]).Array[0, 6];
        Gen.Select(endPoints, tlvs, Gen.Byte.Array[0, 30], Gen.Int[0, 200]).Sample((ends, tlvList, payload, cut) =>
        {
            var header = ProxyHeaderBytes.V2(ends.Item1, ends.Item2, tlvList);
            var bytes = header.Concat(payload).ToArray();
            Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(Segments.Split(bytes, cut), out var parsed, out var length, out _));
            Assert.Equal(header.Length, length);
            Assert.Equal(new ProxyHeader(2, ends.Item1, ends.Item2), parsed);
        }, iter: 5000);
    }

    [Fact]
    public void Generated_v1_headers_round_trip()
    {
        var endPoints = Gen.Bool.SelectMany(v6 => Gen.Select(Gen.Byte.Array[v6 ? 16 : 4], Gen.Byte.Array[v6 ? 16 : 4], Gen.UShort, Gen.UShort))
            .Select((source, destination, sourcePort, destinationPort) => (new IPEndPoint(new IPAddress(source), sourcePort), new IPEndPoint(new IPAddress(destination), destinationPort)));
        Gen.Select(endPoints, Gen.Int[0, 120]).Sample((ends, cut) =>
        {
            var header = ProxyHeaderBytes.V1(ends.Item1, ends.Item2);
            Assert.InRange(header.Length, 1, ProxyHeaderParser.MaxV1Length);
            Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(Segments.Split([.. header, .. Rest], cut), out var parsed, out var length, out var error));
            Assert.True(error.Length == 0, Encoding.ASCII.GetString(header));
            Assert.Equal(header.Length, length);
            Assert.Equal(new ProxyHeader(1, ends.Item1, ends.Item2), parsed);
        }, iter: 5000);
    }
}
