using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Authentication;

namespace YarpEgress.Tests.Sni;

/// <summary>ClientHellos for the parser tests: one recorded from OpenSSL, a Chromium-style builder, and live capture from SslStream.</summary>
internal static class ClientHelloSamples
{
    /// <summary>
    /// Recorded from <c>openssl s_client -connect ... -servername api.example.com -alpn http/1.1 -tls1_2</c> (OpenSSL 3.0).
    /// </summary>
    public static readonly byte[] OpenSsl = Convert.FromHexString(string.Concat(
        "16" + "0301" + "00de",                     // record: handshake, legacy version TLS 1.0, 222 bytes
        "01" + "0000da",                            // handshake: ClientHello, 218 bytes
        "0303",                                     // legacy_version TLS 1.2
        "b6e8f39c33a84e1e5ab13c5835f85a8202eef6abc8fd5ffd6710212c246e4426", // random
        "00",                                       // legacy_session_id: empty
        "0038" + "c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff", // 28 cipher suites
        "01" + "00",                                // compression methods: null
        "0079",                                     // extensions: 121 bytes
        "0000" + "0014" + "0012" + "00" + "000f" + "6170692e6578616d706c652e636f6d", // server_name: host_name "api.example.com"
        "000b" + "0004" + "03000102",               // ec_point_formats
        "000a" + "000c" + "000a001d0017001e00190018", // supported_groups
        "0023" + "0000",                            // session_ticket
        "0010" + "000b" + "0009" + "08" + "687474702f312e31", // ALPN: "http/1.1"
        "0016" + "0000",                            // encrypt_then_mac
        "0017" + "0000",                            // extended_master_secret
        "000d" + "002a" + "0028" + "04030503060308070808080908" + "0a080b080408050806040105010601030303010302040205020602")); // signature_algorithms

    /// <summary>
    /// A Chromium-style TLS 1.3 ClientHello: GREASE values in the cipher suites, groups, key shares, versions and as
    /// extensions; a post-quantum X25519MLKEM768 key share (1216 bytes) that pushes it past 1.5 KB; optionally split
    /// over several TLS records of the given payload sizes.
    /// </summary>
    public static byte[] ChromiumStyle(string? serverName = "www.example.com", int[]? recordSizes = null, byte[][]? extraExtensions = null, string[]? alpn = null)
    {
        var extensions = new List<byte[]>
        {
            Extension(0x0a0a, []),                                          // GREASE extension, empty
        };
        if (serverName is not null)
        {
            extensions.Add(ServerName(serverName));
        }

        extensions.AddRange(
        [
            Extension(0x0017, []),                                          // extended_master_secret
            Extension(0xff01, [0x00]),                                      // renegotiation_info
            Extension(0x000a, Vector16([0x2a, 0x2a, 0x11, 0xec, 0x00, 0x1d, 0x00, 0x17])), // groups: GREASE, X25519MLKEM768, x25519, secp256r1
            Extension(0x000b, [0x01, 0x00]),                                // ec_point_formats: uncompressed
            Extension(0x0023, []),                                          // session_ticket
            Extension(0x0010, Alpn(alpn ?? ["h2", "http/1.1"])),            // ALPN
            Extension(0x0005, [0x01, 0x00, 0x00, 0x00, 0x00]),              // status_request: OCSP
            Extension(0x000d, Vector16([0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01])), // signature_algorithms
            Extension(0x0012, []),                                          // signed_certificate_timestamp
            Extension(0x0033, Vector16([.. KeyShare(0x2a2a, 1), .. KeyShare(0x11ec, 1216), .. KeyShare(0x001d, 32)])), // key_share
            Extension(0x002d, [0x01, 0x01]),                                // psk_key_exchange_modes: psk_dhe_ke
            Extension(0x002b, [0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03]),  // supported_versions: GREASE, TLS 1.3, TLS 1.2
            Extension(0x001b, [0x02, 0x00, 0x02]),                          // compress_certificate: brotli
            Extension(0x44cd, [0x00, 0x03, 0x02, 0x68, 0x32]),              // application_settings: h2
            Extension(0x1a1a, [0x00]),                                      // GREASE extension, one byte
        ]);
        foreach (var extra in extraExtensions ?? [])
        {
            extensions.Add(extra);
        }

        byte[] body =
        [
            0x03, 0x03,                                                     // legacy_version TLS 1.2
            .. Enumerable.Repeat((byte)0x11, 32),                           // random
            32, .. Enumerable.Repeat((byte)0x22, 32),                       // legacy_session_id: 32 bytes
            .. Vector16([0x0a, 0x0a, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9]), // suites: GREASE, TLS 1.3 x3, ECDHE x3
            0x01, 0x00,                                                     // compression: null
            .. Vector16([.. extensions.SelectMany(e => e)]),               // extensions
        ];
        byte[] message = [0x01, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body]; // ClientHello
        return Records(message, recordSizes ?? [message.Length]);
    }

    /// <summary>Wraps a handshake message in handshake records of the given payload sizes (the last takes the rest).</summary>
    public static byte[] Records(byte[] message, int[] sizes)
    {
        var output = new List<byte>();
        var offset = 0;
        for (var i = 0; offset < message.Length; i++)
        {
            var size = i < sizes.Length - 1 ? Math.Min(sizes[i], message.Length - offset) : message.Length - offset;
            output.AddRange([0x16, 0x03, 0x01, (byte)(size >> 8), (byte)size]);  // record header: handshake, TLS 1.0
            output.AddRange(message.AsSpan(offset, size).ToArray());
            offset += size;
        }

        return [.. output];
    }

    public static byte[] Extension(ushort type, byte[] data) => [(byte)(type >> 8), (byte)type, .. Vector16(data)];

    public static byte[] ServerName(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        return Extension(0x0000, Vector16([0x00, .. Vector16(bytes)]));  // server_name_list: one host_name entry
    }

    public static byte[] Vector16(byte[] data)
    {
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)data.Length);
        return [.. length, .. data];
    }

    private static byte[] Alpn(string[] protocols) =>
        Vector16([.. protocols.SelectMany(p => new[] { (byte)p.Length }.Concat(System.Text.Encoding.ASCII.GetBytes(p)))]);

    private static byte[] KeyShare(ushort group, int length) =>
        [(byte)(group >> 8), (byte)group, .. Vector16([.. Enumerable.Repeat((byte)0x33, length)])];

    /// <summary>Captures the first flight the .NET TLS client (SslStream) sends for the given target host.</summary>
    public static async Task<byte[]> FromSslStreamAsync(string targetHost, List<SslApplicationProtocol>? alpn = null)
    {
        var capture = new CaptureStream();
        await using var tls = new SslStream(capture);
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ApplicationProtocols = alpn,
            EnabledSslProtocols = SslProtocols.None,
        });
        await capture.FirstWrite.WaitAsync(TimeSpan.FromSeconds(10));
        capture.Fail();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return capture.Written;
    }

    /// <summary>A stream that records writes and whose reads wait until the test fails them.</summary>
    private sealed class CaptureStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<int> _read = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstWrite => _firstWrite.Task;

        public byte[] Written => _written.ToArray();

        public void Fail() => _read.TrySetException(new IOException("capture done"));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written.Write(buffer.Span);
            _firstWrite.TrySetResult();
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(_read.Task);

        public override int Read(byte[] buffer, int offset, int count) => _read.Task.GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
