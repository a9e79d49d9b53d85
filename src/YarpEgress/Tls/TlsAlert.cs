namespace YarpEgress.Tls;

/// <summary>Fatal TLS alerts (RFC 8446 6), as whole records, for refusing a ClientHello so clients print a real reason.</summary>
internal static class TlsAlert
{
    public const byte HandshakeFailure = 40;
    public const byte AccessDenied = 49;
    public const byte DecodeError = 50;
    public const byte InternalError = 80;
    public const byte UnrecognizedName = 112;

    /// <summary>An alert record: content type 21, legacy version TLS 1.2, length 2, level fatal, the description.</summary>
    public static byte[] Fatal(byte description) => [21, 3, 3, 0, 2, 2, description];

    public static string Name(byte description) => description switch
    {
        HandshakeFailure => "handshake_failure",
        AccessDenied => "access_denied",
        DecodeError => "decode_error",
        InternalError => "internal_error",
        UnrecognizedName => "unrecognized_name",
        _ => description.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
