using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace YarpEgress.Configuration;

/// <summary>Loads and merges the files of a <see cref="LayeredJsonConfigurationSource"/>, and reloads when their bytes change.</summary>
internal sealed class LayeredJsonConfigurationProvider : ConfigurationProvider, IDisposable
{
    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly LayeredJsonConfigurationSource _source;
    private readonly Timer _timer;
    private byte[] _fingerprint = [];

    public LayeredJsonConfigurationProvider(LayeredJsonConfigurationSource source)
    {
        _source = source;
        _timer = new Timer(_ => Poll(), null, source.PollInterval, source.PollInterval);
    }

    /// <summary>
    /// Set instead of any data when a file cannot be read or parsed, so that validation reports it like any other
    /// config error (and a reload keeps the last good snapshot) rather than an exception escaping the host.
    /// </summary>
    public const string ErrorKey = "YarpEgressConfigFileError";

    public override void Load() => TryLoad();

    private bool TryLoad()
    {
        byte[] fingerprint;
        try
        {
            (var data, fingerprint) = Read();
            if (fingerprint.AsSpan().SequenceEqual(_fingerprint))
            {
                return false;
            }

            Data = data;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            fingerprint = [];
            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [ErrorKey] = ex.Message };
        }

        _fingerprint = fingerprint;
        return true;
    }

    private void Poll()
    {
        if (TryLoad())
        {
            OnReload();
        }
    }

    private (Dictionary<string, string?> Data, byte[] Fingerprint) Read()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Merge(data, _source.DefaultPath, hash);
        if (_source.OverridePath is { } overridePath)
        {
            Merge(data, overridePath, hash);
        }

        return (data, hash.GetHashAndReset());
    }

    private static void Merge(Dictionary<string, string?> data, string path, IncrementalHash hash)
    {
        var bytes = File.ReadAllBytes(path);
        hash.AppendData(bytes);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: invalid JSON at line {ex.LineNumber + 1}: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: the top level must be a JSON object");
            }

            Flatten(data, document.RootElement, prefix: null);
        }
    }

    private static void Flatten(Dictionary<string, string?> data, JsonElement element, string? prefix)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var empty = true;
                foreach (var property in element.EnumerateObject())
                {
                    empty = false;
                    Flatten(data, property.Value, prefix is null ? property.Name : $"{prefix}:{property.Name}");
                }

                // An empty object still exists (a list entry "{ }" must be seen, and reported, not vanish).
                if (empty && prefix is not null)
                {
                    data[prefix] = null;
                }

                break;
            case JsonValueKind.Array:
                // A list in a later file replaces the earlier list whole.
                RemoveChildren(data, prefix!);
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(data, item, $"{prefix}:{index++}");
                }

                if (index == 0)
                {
                    data[prefix!] = null;
                }

                break;
            case JsonValueKind.Null:
                data[prefix!] = null;
                break;
            case JsonValueKind.String:
                data[prefix!] = element.GetString();
                break;
            default:
                data[prefix!] = element.GetRawText();
                break;
        }
    }

    private static void RemoveChildren(Dictionary<string, string?> data, string prefix)
    {
        var childPrefix = prefix + ":";
        List<string>? doomed = null;
        foreach (var key in data.Keys)
        {
            if (key.StartsWith(childPrefix, StringComparison.OrdinalIgnoreCase) || key.Equals(prefix, StringComparison.OrdinalIgnoreCase))
            {
                (doomed ??= []).Add(key);
            }
        }

        if (doomed is not null)
        {
            foreach (var key in doomed)
            {
                data.Remove(key);
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
