namespace YarpEgress.Authentication;

/// <summary>What <see cref="ProxyAuthenticator"/> made of a connection's source and credentials.</summary>
internal enum IdentificationOutcome
{
    /// <summary>The client is known (or there is none, and the global rules alone apply).</summary>
    Identified,

    /// <summary>The source belongs to a client that wants credentials, and they are missing or wrong: 407.</summary>
    CredentialsRequired,

    /// <summary>Too many verifications from this source failed or are running: 429, without checking the password.</summary>
    Throttled,
}
