using System.Globalization;
using System.Net;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>A parsed Prometheus text scrape of the gateway's admin /metrics.</summary>
internal sealed class MetricsScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples;

    private MetricsScrape(List<(string, Dictionary<string, string>, double)> samples) => _samples = samples;

    public int SeriesCount(string prefix) => _samples.Count(s => s.Name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Every sample name in the scrape (histograms show as their _bucket, _sum and _count samples).</summary>
    public IEnumerable<string> Names() => _samples.Select(s => s.Name).Distinct();

    public IEnumerable<Dictionary<string, string>> Series(string name) => _samples.Where(s => s.Name == name).Select(s => s.Labels);

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public static async Task<MetricsScrape> FromAsync(IPEndPoint admin)
    {
        using var client = DirectHttp.Create();
        var text = await client.GetStringAsync($"http://{admin}/metrics");
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var name = brace < 0 ? line[..line.IndexOf(' ', StringComparison.Ordinal)] : line[..brace];
            var labels = new Dictionary<string, string>();
            if (brace >= 0)
            {
                var body = line[(brace + 1)..line.LastIndexOf('}')];
                foreach (var pair in SplitLabels(body))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 2)..^1];
                }
            }

            var valueText = line[(space + 1)..];
            samples.Add((name, labels, valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(valueText, CultureInfo.InvariantCulture),
            }));
        }

        return new MetricsScrape(samples);
    }

    private static IEnumerable<string> SplitLabels(string body)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '"' && (i == 0 || body[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (body[i] == ',' && !quoted)
            {
                yield return body[start..i];
                start = i + 1;
            }
        }

        if (start < body.Length)
        {
            yield return body[start..];
        }
    }
}
