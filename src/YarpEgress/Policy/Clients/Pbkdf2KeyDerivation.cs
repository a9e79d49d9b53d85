using System.Security.Cryptography;

namespace YarpEgress.Policy.Clients;

/// <summary>PBKDF2 with HMAC-SHA256, the derivation of <c>pbkdf2-sha256$...</c> password hashes.</summary>
internal sealed class Pbkdf2KeyDerivation : IPasswordKeyDerivation
{
    public static readonly Pbkdf2KeyDerivation Instance = new();

    public void Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, iterations, HashAlgorithmName.SHA256);
}
