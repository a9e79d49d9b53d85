namespace YarpEgress.Configuration;

/// <summary>What an SNI listener does with the TLS it receives.</summary>
public enum SniTlsMode
{
    /// <summary>Read the server name, then pass the TLS bytes through untouched to that host.</summary>
    Passthrough,

    /// <summary>Terminate TLS with the listener's certificate and send the plain bytes inside to the host the SNI names.</summary>
    Terminate,
}
