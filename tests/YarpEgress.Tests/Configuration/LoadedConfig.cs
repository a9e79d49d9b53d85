using YarpEgress.Configuration.Loading;

namespace YarpEgress.Tests.Configuration;

/// <summary>Loads JSON the way the gateway does (a temporary file through the layered source, then the loader) and returns the errors.</summary>
internal sealed class LoadedConfig : IDisposable
{
    private readonly ConfigFiles _files = new();

    /// <summary>Every error of the load; a snapshot comes back exactly when there is none.</summary>
    public List<string> Errors(string json)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(ConfigFiles.Load(_files.Write(json)), errors);
        Assert.True(snapshot is null == errors.Count > 0);
        return errors;
    }

    public void Dispose() => _files.Dispose();
}
