using System.Buffers;
using System.Net.Security;
using CsCheck;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tls;

namespace YarpEgress.Tests.Sni;

public sealed class ClientHelloParserTests
{
    private const int Max = 16384;

    private static ClientHelloStatus Parse(byte[] bytes, out ClientHello hello, out string error, int max = Max) =>
        ClientHelloParser.TryParse(new ReadOnlySequence<byte>(bytes), max, out hello, out error);

    [Fact]
    public void Reads_the_recorded_OpenSSL_hello()
    {
        Assert.Equal(227, ClientHelloSamples.OpenSsl.Length);
        Assert.Equal(ClientHelloStatus.Complete, Parse(ClientHelloSamples.OpenSsl, out var hello, out var error));
        Assert.Equal(new ClientHello("api.example.com", "http/1.1"), hello);
        Assert.Empty(error);
    }

    [Fact]
    public void Reads_a_Chromium_style_hello_with_GREASE_and_a_post_quantum_key_share()
    {
        var bytes = ClientHelloSamples.ChromiumStyle("www.example.com");
        Assert.True(bytes.Length > 1500);
        Assert.Equal(ClientHelloStatus.Complete, Parse(bytes, out var hello, out _));
        Assert.Equal(new ClientHello("www.example.com", "h2,http/1.1"), hello);
    }

    [Fact]
    public async Task Reads_what_the_dotnet_TLS_client_sends()
    {
        var bytes = await ClientHelloSamples.FromSslStreamAsync("a.example.test", [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
        Assert.Equal(ClientHelloStatus.Complete, Parse(bytes, out var hello, out var error));
        Assert.Equal("a.example.test", hello.ServerName);
        Assert.Equal("h2,http/1.1", hello.Alpn);
        Assert.Empty(error);
    }

    public static TheoryData<string, byte[]> Hellos() => new()
    {
        { "openssl", ClientHelloSamples.OpenSsl },
        { "chromium", ClientHelloSamples.ChromiumStyle("www.example.com") },
        { "chromium in 3 records", ClientHelloSamples.ChromiumStyle("www.example.com", recordSizes: [100, 700]) },
        { "chromium in 1-byte records", ClientHelloSamples.ChromiumStyle("www.example.com", recordSizes: [.. Enumerable.Repeat(1, 2000)]) },
    };

    [Theory]
    [MemberData(nameof(Hellos))]
    public void Gives_the_same_answer_for_every_split_point_and_byte_by_byte(string name, byte[] bytes)
    {
        Assert.Equal(ClientHelloStatus.Complete, Parse(bytes, out var expected, out _));
        Assert.NotNull(expected.ServerName);
        for (var cut = 0; cut <= bytes.Length; cut += Math.Max(1, bytes.Length / 300))
        {
            Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.TryParse(Segments.Split(bytes, cut, cut + 5, cut + 9), Max, out var hello, out _));
            Assert.Equal(expected, hello);
        }

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.TryParse(Segments.Bytewise(bytes), Max, out var bytewise, out _));
        Assert.Equal(expected, bytewise);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Theory]
    [MemberData(nameof(Hellos))]
    public void Asks_for_more_on_every_proper_prefix(string name, byte[] bytes)
    {
        for (var length = 0; length < bytes.Length; length += Math.Max(1, bytes.Length / 200))
        {
            Assert.Equal(ClientHelloStatus.Incomplete, Parse(bytes[..length], out _, out _));
        }

        Assert.Equal(ClientHelloStatus.Incomplete, Parse(bytes[..^1], out _, out _));
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void Reads_a_host_and_port_server_name_as_Istio_sends_it()
    {
        Assert.Equal(ClientHelloStatus.Complete, Parse(ClientHelloSamples.ChromiumStyle("example.com:9443"), out var hello, out _));
        Assert.Equal("example.com:9443", hello.ServerName);
    }

    [Fact]
    public void A_hello_without_server_name_is_complete_with_no_name()
    {
        Assert.Equal(ClientHelloStatus.Complete, Parse(ClientHelloSamples.ChromiumStyle(serverName: null), out var hello, out _));
        Assert.Null(hello.ServerName);
        Assert.Equal("h2,http/1.1", hello.Alpn);
    }

    [Fact]
    public void Every_ALPN_offer_is_read_in_the_client_order()
    {
        Assert.Equal(ClientHelloStatus.Complete, Parse(ClientHelloSamples.ChromiumStyle(alpn: ["acme-tls/1", "http/1.1", "h2"]), out var hello, out _));
        Assert.Equal("acme-tls/1,http/1.1,h2", hello.Alpn);
        Assert.Equal(ClientHelloStatus.Complete, Parse(ClientHelloSamples.ChromiumStyle(alpn: ["h2"]), out hello, out _));
        Assert.Equal("h2", hello.Alpn);
    }

    [Fact]
    public void Refuses_a_server_name_entry_that_is_not_a_host_name()
    {
        byte[] hello =
        [
            0x16, 0x03, 0x01, 0x00, 0x46,       // record: handshake (22), legacy version TLS 1.0, 70 bytes
            0x01, 0x00, 0x00, 0x42,             // handshake: ClientHello (1), 66 bytes
            0x03, 0x03,                         // legacy_version: TLS 1.2
            .. new byte[32],                    // random
            0x00,                               // legacy_session_id: empty
            0x00, 0x02, 0x13, 0x01,             // cipher_suites: 2 bytes, TLS_AES_128_GCM_SHA256
            0x01, 0x00,                         // legacy_compression_methods: 1 byte, null
            0x00, 0x17,                         // extensions: 23 bytes
            0x00, 0x00,                         //   extension type: server_name (0)
            0x00, 0x13,                         //   extension data: 19 bytes
            0x00, 0x11,                         //     server_name_list: 17 bytes
            0x01,                               //       name_type 1: not host_name (0), the only type RFC 6066 defines
            0x00, 0x0e,                         //       name: 14 bytes
            .. "a.example.test"u8,
        ];
        Assert.Equal(ClientHelloStatus.Malformed, Parse(hello, out _, out var error));
        Assert.Equal("the server_name list has an entry of name_type 1, not host_name", error);

        hello[^17] = 0x00; // the same hello with name_type host_name is a good one
        Assert.Equal(ClientHelloStatus.Complete, Parse(hello, out var good, out _));
        Assert.Equal("a.example.test", good.ServerName);
    }

    public static TheoryData<string, byte[], string, string> Refusals()
    {
        var good = ClientHelloSamples.ChromiumStyle("www.example.com");
        var overrun = (byte[])ClientHelloSamples.OpenSsl.Clone();
        overrun[45] = 0xff; // the cipher suite list claims more bytes than the message has
        var notHello = (byte[])ClientHelloSamples.OpenSsl.Clone();
        notHello[5] = 2; // ServerHello
        var zeroRecord = new byte[] { 0x16, 0x03, 0x01, 0x00, 0x00 };
        var hugeRecord = new byte[] { 0x16, 0x03, 0x01, 0x40, 0x01 };
        var alertAfterFirstRecord = ClientHelloSamples.ChromiumStyle("www.example.com", recordSizes: [100, 5000]);
        alertAfterFirstRecord[105] = 0x15;
        return new()
        {
            { "plain HTTP", "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), nameof(ClientHelloStatus.NotTls), "not a TLS handshake record" },
            { "SSLv2-style hello", [0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15], nameof(ClientHelloStatus.NotTls), "not a TLS handshake record" },
            { "TLS alert first", [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], nameof(ClientHelloStatus.NotTls), "not a TLS handshake record" },
            { "SSL 2 version", [0x16, 0x02, 0x00, 0x00, 0x10], nameof(ClientHelloStatus.NotTls), "not a TLS 1.x record" },
            { "empty record", zeroRecord, nameof(ClientHelloStatus.Malformed), "length 0" },
            { "oversized record", hugeRecord, nameof(ClientHelloStatus.Malformed), "length 16385" },
            { "ServerHello", notHello, nameof(ClientHelloStatus.Malformed), "not a ClientHello" },
            { "length overrun", overrun, nameof(ClientHelloStatus.Malformed), "truncated" },
            { "alert between records", alertAfterFirstRecord, nameof(ClientHelloStatus.Malformed), "non-handshake record interrupts" },
            { "duplicate SNI extension", ClientHelloSamples.ChromiumStyle("a.example", extraExtensions: [ClientHelloSamples.ServerName("b.example")]), nameof(ClientHelloStatus.Malformed), "appears twice" },
            { "two host names", ClientHelloSamples.ChromiumStyle(null, extraExtensions: [ClientHelloSamples.Extension(0, ClientHelloSamples.Vector16([0, .. ClientHelloSamples.Vector16("a.ex"u8.ToArray()), 0, .. ClientHelloSamples.Vector16("b.ex"u8.ToArray())]))]), nameof(ClientHelloStatus.Malformed), "two host names" },
            { "empty SNI extension", ClientHelloSamples.ChromiumStyle(null, extraExtensions: [ClientHelloSamples.Extension(0, [])]), nameof(ClientHelloStatus.Malformed), "server_name extension is malformed" },
            { "empty host name", ClientHelloSamples.ChromiumStyle(null, extraExtensions: [ClientHelloSamples.Extension(0, ClientHelloSamples.Vector16([0, 0, 0]))]), nameof(ClientHelloStatus.Malformed), "0 bytes" },
            { "non-ASCII host name", ClientHelloSamples.ChromiumStyle("bücher.example"), nameof(ClientHelloStatus.Malformed), "not printable ASCII" },
            { "host name with a space", ClientHelloSamples.ChromiumStyle("a b.example"), nameof(ClientHelloStatus.Malformed), "not printable ASCII" },
            { "host_name then another name type", ClientHelloSamples.ChromiumStyle(null, extraExtensions: [ClientHelloSamples.Extension(0, ClientHelloSamples.Vector16([0, .. ClientHelloSamples.Vector16("a.ex"u8.ToArray()), 1, .. ClientHelloSamples.Vector16("b.ex"u8.ToArray())]))]), nameof(ClientHelloStatus.Malformed), "name_type 1, not host_name" },
            { "duplicate ALPN", ClientHelloSamples.ChromiumStyle("a.example", extraExtensions: [ClientHelloSamples.Extension(16, [0, 3, 2, 0x68, 0x32])]), nameof(ClientHelloStatus.Malformed), "ALPN extension appears twice" },
            { "too large", good, nameof(ClientHelloStatus.TooLarge), "larger than 1024 bytes" },
        };
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refuses_bad_hellos_with_a_reason(string name, byte[] bytes, string expected, string reason)
    {
        var status = Enum.Parse<ClientHelloStatus>(expected);
        var max = name == "too large" ? 1024 : Max;
        Assert.Equal(status, Parse(bytes, out _, out var error, max));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        // Split into single bytes, the answer is the same.
        Assert.Equal(status, ClientHelloParser.TryParse(Segments.Bytewise(bytes), max, out _, out _));
    }

    [Fact]
    public void A_trickle_over_the_cap_is_refused_before_it_completes()
    {
        var bytes = ClientHelloSamples.ChromiumStyle("www.example.com", recordSizes: [.. Enumerable.Repeat(10, 500)]);
        Assert.Equal(ClientHelloStatus.TooLarge, Parse(bytes[..1100], out _, out _, max: 1024));
    }

    /// <summary>
    /// Found by fuzzing (fuzz/corpus/clienthello): a record longer than the ClientHello in it was parsed once the
    /// message was in, when the bytes came in one segment, but only once the whole record was in (and against the cap
    /// as a whole) when they came in several: the answer depended on how TCP had cut the bytes.
    /// </summary>
    [Fact]
    public void A_record_longer_than_its_hello_gets_the_same_answer_however_it_is_segmented()
    {
        var hello = ClientHelloSamples.OpenSsl;
        var recordLength = ((hello[3] << 8) | hello[4]) + 50;
        byte[] record = [.. hello[..3], (byte)(recordLength >> 8), (byte)recordLength, .. hello[5..], .. new byte[50]];

        foreach (var (bytes, max, expected) in new[]
        {
            (record[..hello.Length], Max, ClientHelloStatus.Incomplete),   // the message is in, the record is not yet
            (record, Max, ClientHelloStatus.Complete),
            (record, record.Length - 1, ClientHelloStatus.TooLarge),       // the message fits the cap, its record does not
        })
        {
            Assert.Equal(expected, Parse(bytes, out var whole, out _, max));
            for (var cut = 1; cut < bytes.Length; cut += 7)
            {
                Assert.Equal(expected, ClientHelloParser.TryParse(Segments.Split(bytes, cut), max, out var split, out _));
                Assert.Equal(whole, split);
            }
        }
    }

    [Fact]
    public void Property_random_and_mutated_hellos_never_throw()
    {
        var seeds = new[] { ClientHelloSamples.OpenSsl, ClientHelloSamples.ChromiumStyle("www.example.com", recordSizes: [300, 900]) };
        var mutated = Gen.Select(Gen.Int[0, 1], Gen.Int[0, 3000].Array[1, 6], Gen.Byte.Array[1, 6], Gen.Int[0, 3000])
            .Select((which, positions, values, truncate) =>
            {
                var copy = (byte[])seeds[which].Clone();
                for (var i = 0; i < positions.Length; i++)
                {
                    copy[positions[i] % copy.Length] = values[i % values.Length];
                }

                return copy[..Math.Min(copy.Length, Math.Max(truncate, 5))];
            });
        var random = Gen.Select(Gen.Byte.Array[0, 64], Gen.Byte.Array[0, 400], (head, tail) => new byte[] { 0x16, 0x03, 0x01 }.Concat(head).Concat(tail).ToArray());
        Gen.OneOf(mutated, random, Gen.Byte.Array[0, 100]).Select(Gen.Int[0, 500]).Sample((bytes, cut) =>
        {
            var status = ClientHelloParser.TryParse(Segments.Split(bytes, cut), 2048, out var hello, out var error);
            Assert.True(Enum.IsDefined(status));
            if (status is ClientHelloStatus.Malformed or ClientHelloStatus.NotTls or ClientHelloStatus.TooLarge)
            {
                Assert.NotEmpty(error);
            }
            else if (status == ClientHelloStatus.Complete && hello.ServerName is { } name)
            {
                Assert.All(name, c => Assert.InRange(c, '!', '~'));
            }
        }, iter: 20000);
    }
}
