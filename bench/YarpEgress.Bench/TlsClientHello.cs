using System.Buffers.Binary;
using System.Text;

namespace YarpEgress.Bench;

/// <summary>A syntactically valid TLS 1.3 ClientHello naming a server (no handshake follows: passthrough only reads it).</summary>
internal static class TlsClientHello
{
    public static byte[] For(string serverName)
    {
        var name = Encoding.ASCII.GetBytes(serverName);
        var body = new List<byte> { 3, 3 };
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1)));   // random
        body.Add(32);
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)));    // legacy session id
        body.AddRange([0, 6, 0x13, 0x01, 0x13, 0x02, 0xC0, 0x2B, 1, 0]);      // cipher suites, null compression

        var extensions = new List<byte>();
        void Extension(ushort type, byte[] data)
        {
            extensions.AddRange(U16(type));
            extensions.AddRange(U16(data.Length));
            extensions.AddRange(data);
        }

        Extension(0x0000, [.. U16(name.Length + 3), 0, .. U16(name.Length), .. name]);         // server_name
        Extension(0x000A, [0, 2, 0x00, 0x1D]);                                                  // supported_groups
        Extension(0x000D, [0, 4, 0x04, 0x03, 0x08, 0x04]);                                      // signature_algorithms
        Extension(0x0010, [0, 9, 8, .. "http/1.1"u8]);                                          // ALPN
        Extension(0x002B, [4, 0x03, 0x04, 0x03, 0x03]);                                         // supported_versions
        Extension(0x0033, [0, 36, 0x00, 0x1D, 0, 32, .. Enumerable.Range(0, 32).Select(i => (byte)(0x11 + i))]); // key_share
        body.AddRange(U16(extensions.Count));
        body.AddRange(extensions);

        byte[] handshake = [1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count, .. body];
        return [0x16, 3, 1, .. U16(handshake.Length), .. handshake];
    }

    private static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, checked((ushort)value));
        return bytes;
    }
}
