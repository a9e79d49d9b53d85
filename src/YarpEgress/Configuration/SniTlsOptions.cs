namespace YarpEgress.Configuration;

/// <summary><c>Egress:Listeners:N:Tls</c> on an SNI listener.</summary>
public sealed class SniTlsOptions
{
    public SniTlsMode Mode { get; set; } = SniTlsMode.Passthrough;

    /// <summary>Terminate: the server certificate chain, PEM.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Terminate: the certificate's private key, PEM.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Terminate, optional: clients must present a certificate signed by this CA (PEM).</summary>
    public string? ClientCaPath { get; set; }
}
