using System.Buffers.Binary;
using System.Security.Cryptography;

namespace YarpEgress.Authentication;

/// <summary>
/// What the gateway remembers of one Basic credential (<c>user:password</c> as sent): its HMAC-SHA256 under a key made
/// at random when the process starts, never the password. Equality looks at all 32 bytes without stopping early.
/// </summary>
internal readonly struct CredentialKey : IEquatable<CredentialKey>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private CredentialKey(ReadOnlySpan<byte> mac)
    {
        _a = BinaryPrimitives.ReadUInt64LittleEndian(mac);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(mac[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(mac[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(mac[24..]);
    }

    public static CredentialKey Compute(ReadOnlySpan<byte> processKey, ReadOnlySpan<byte> credentials)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(processKey, credentials, mac);
        return new CredentialKey(mac);
    }

    public bool Equals(CredentialKey other) => ((_a ^ other._a) | (_b ^ other._b) | (_c ^ other._c) | (_d ^ other._d)) == 0;

    public override bool Equals(object? obj) => obj is CredentialKey other && Equals(other);

    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);
}
