using YarpEgress.Policy.Clients;

namespace YarpEgress.Authentication;

/// <summary>The answer of <see cref="ProxyAuthenticator"/>: the outcome, the client when identified, and when to retry when throttled.</summary>
internal readonly record struct Identification(IdentificationOutcome Outcome, ClientPolicy? Client, TimeSpan RetryAfter)
{
    public static Identification Of(ClientPolicy? client) => new(IdentificationOutcome.Identified, client, TimeSpan.Zero);

    public static readonly Identification Challenge = new(IdentificationOutcome.CredentialsRequired, null, TimeSpan.Zero);

    public static Identification Throttled(TimeSpan retryAfter) => new(IdentificationOutcome.Throttled, null, retryAfter);
}
