namespace YarpEgress.Authentication;

/// <summary><c>Proxy-Authorization: Basic base64(user:password)</c> (RFC 7617), decoded without allocating.</summary>
internal static class BasicCredentials
{
    /// <summary>Longer credentials are not accepted (the decoded <c>user:password</c>, in bytes).</summary>
    public const int MaxBytes = 1024;

    private const string Scheme = "Basic ";

    /// <summary>
    /// Decodes the header into <paramref name="destination"/> (at least <see cref="MaxBytes"/> long). False when it is
    /// not Basic, not base64, too long or has no ':'.
    /// </summary>
    public static bool TryDecode(string? header, Span<byte> destination, out int length, out int colon)
    {
        length = 0;
        colon = -1;
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = header.AsSpan(Scheme.Length).Trim();
        if (token.Length > (MaxBytes + 2) / 3 * 4 || !Convert.TryFromBase64Chars(token, destination[..MaxBytes], out length))
        {
            return false;
        }

        colon = destination[..length].IndexOf((byte)':');
        return colon >= 0;
    }
}
