using Microsoft.Extensions.Configuration;
using YarpEgress.Configuration.Loading;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Configuration;

/// <summary>Temporary JSON files loaded through the gateway's own layered source.</summary>
internal sealed class ConfigFiles : IDisposable
{
    private readonly List<string> _paths = [];

    public string Write(string json)
    {
        var path = TestTemp.NewFile("cfg-", ".json");
        File.WriteAllText(path, json);
        _paths.Add(path);
        return path;
    }

    public static IConfigurationRoot Load(string defaultPath, string? overridePath = null) =>
        new ConfigurationBuilder().Add(new LayeredJsonConfigurationSource(defaultPath, overridePath, TimeSpan.FromHours(1))).Build();

    public void Dispose()
    {
        foreach (var path in _paths)
        {
            File.Delete(path);
        }
    }
}
