using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace YarpEgress.Policy.Clients;

/// <summary>
/// Proxy passwords as PBKDF2-SHA256 hashes, <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64), so config files never
/// hold a password. <c>dotnet YarpEgress.dll hash-password</c> prints one for a password read from standard input.
/// </summary>
internal sealed class PasswordHash
{
    private const string Prefix = "pbkdf2-sha256";
    private const int DefaultIterations = 100_000;
    private const int MaxHashBytes = 64;

    private readonly int _iterations;
    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        _iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    public static string Create(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = new byte[32];
        Pbkdf2KeyDerivation.Instance.Derive(Encoding.UTF8.GetBytes(password), salt, DefaultIterations, hash);
        return $"{Prefix}${DefaultIterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool TryParse(string? text, out PasswordHash hash)
    {
        hash = null!;
        var parts = (text ?? string.Empty).Split('$');
        if (parts.Length != 4 || parts[0] != Prefix
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 10_000)
        {
            return false;
        }

        try
        {
            hash = new PasswordHash(iterations, Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]));
            return hash._salt.Length >= 8 && hash._hash.Length is >= 16 and <= MaxHashBytes;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Derives the key of <paramref name="password"/> (its UTF-8 bytes as sent, never re-encoded) with this hash's salt
    /// and iterations and compares it in constant time. The cost is the same whatever the answer.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> password, IPasswordKeyDerivation derivation)
    {
        Span<byte> candidate = stackalloc byte[MaxHashBytes];
        candidate = candidate[.._hash.Length];
        derivation.Derive(password, _salt, _iterations, candidate);
        return CryptographicOperations.FixedTimeEquals(candidate, _hash);
    }
}
