using System.Security.Cryptography;
using System.Text;

namespace YarpEgress.Configuration.Loading;

/// <summary>What a configuration holds, as a hash of every key and value from every source, merged.</summary>
internal static class ConfigContent
{
    public static byte[] Fingerprint(IConfiguration configuration)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> separator = [0];
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(key));
            hash.AppendData(separator);
            hash.AppendData(value is null ? [1] : Encoding.UTF8.GetBytes(value));
            hash.AppendData(separator);
        }

        return hash.GetHashAndReset();
    }
}
