using YarpEgress.Diagnostics;

namespace YarpEgress.Policy.Headers;

/// <summary>
/// <c>Egress:Http:Via</c>: the pseudonym (RFC 9110 7.6.3 <c>received-by</c>, a token) the gateway adds as
/// <c>Via: 1.1 pseudonym</c> to forwarded requests and responses (the version is that of the message received).
/// <c>None</c>, the default, adds nothing. The entries are built once per config.
/// </summary>
internal sealed class ViaHeader
{
    public const string Off = "None";

    private ViaHeader(string pseudonym)
    {
        Pseudonym = pseudonym;
        Http10 = $"1.0 {pseudonym}";
        Http11 = $"1.1 {pseudonym}";
    }

    public string Pseudonym { get; }

    public string Http10 { get; }

    public string Http11 { get; }

    /// <summary>Null for <c>None</c> (or unset); a config error for anything that is not a token.</summary>
    public static ViaHeader? Compile(string? value, IErrorSink errors)
    {
        var pseudonym = value?.Trim();
        if (string.IsNullOrEmpty(pseudonym) || pseudonym.Equals(Off, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!HttpToken.IsToken(pseudonym))
        {
            errors.Add($"'{value}' is not a pseudonym: use None, or a token such as yarp-egress (letters, digits and !#$%&'*+-.^_`|~)");
            return null;
        }

        return new ViaHeader(pseudonym);
    }
}
