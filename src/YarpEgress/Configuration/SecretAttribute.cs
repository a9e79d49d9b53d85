namespace YarpEgress.Configuration;

/// <summary>
/// Marks an option whose value is a secret (a credential, a password hash, key material): the admin listener's
/// <c>/config</c> shows it as <c>"&lt;redacted&gt;"</c>. A test fails for any option whose name suggests a secret and
/// that lacks this mark, so a new secret field cannot be forgotten.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class SecretAttribute : Attribute
{
    public const string Redacted = "<redacted>";
}
