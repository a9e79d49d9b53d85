using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;

namespace YarpEgress.Configuration.Loading;

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

    private const string FileErrors = $"{EgressConfigLoader.SourceErrorsSection}:files";

    /// <summary>The files in the order they are merged.</summary>
    public IReadOnlyList<ConfigFile> Files => _source.Files;

    public override void Load() => TryLoad();

    private bool TryLoad()
    {
        var (data, fingerprint) = Read(_source.Files, ReadFile);
        if (fingerprint.AsSpan().SequenceEqual(_fingerprint))
        {
            return false;
        }

        Data = data;
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

    /// <summary>
    /// Merges the files' JSON in order into configuration data, with the files' own errors as data too (see
    /// <see cref="EgressConfigLoader.SourceErrorsSection"/>), and a fingerprint of their bytes. Never throws on content:
    /// a file that cannot be read or parsed leaves nothing but its error.
    /// </summary>
    /// <param name="readBytes">Reads one file's bytes, or throws <see cref="InvalidDataException"/> saying why it cannot.</param>
    internal static (Dictionary<string, string?> Data, byte[] Fingerprint) Read(IReadOnlyList<ConfigFile> files, Func<ConfigFile, byte[]> readBytes)
    {
        try
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            var errors = new List<string>();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var file in files)
            {
                Merge(data, file.Path, readBytes(file), hash, errors);
            }

            for (var i = 0; i < errors.Count; i++)
            {
                data[$"{FileErrors}:{i}"] = errors[i];
            }

            return (data, hash.GetHashAndReset());
        }
        catch (InvalidDataException ex)
        {
            // Validation reports it like any other config error, and a reload keeps the last good snapshot.
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [$"{EgressConfigLoader.UnreadableSection}:0"] = ex.Message };
            return (data, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ex.Message)));
        }
    }

    private static byte[] ReadFile(ConfigFile file)
    {
        var path = file.Path;
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"{file.Origin} {path}: is a directory, not a JSON config file");
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{file.Origin} {path}: the file does not exist", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{file.Origin} {path}: cannot be read: {ex.Message}", ex);
        }
    }

    private static void Merge(Dictionary<string, string?> data, string path, byte[] bytes, IncrementalHash hash, List<string> errors)
    {
        hash.AppendData(bytes);

        // JsonDocument checks UTF-8 only when a string is read, and then throws InvalidOperationException.
        if (!Utf8.IsValid(bytes))
        {
            throw new InvalidDataException($"{path}: the file is not UTF-8 text");
        }

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

            foreach (var section in document.RootElement.EnumerateObject())
            {
                if (!TopLevelSections.IsKnown(section.Name))
                {
                    errors.Add($"{path}: {TopLevelSections.Unknown(section.Name)}");
                }
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
