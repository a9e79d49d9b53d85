using System.Globalization;

namespace YarpEgress.Bench;

/// <summary>What one run measured, and its printing: a readable block, then one <c>result</c> line of key=value pairs for scripts.</summary>
internal sealed record Measurement(long Operations, long Bytes, long Errors, double Seconds, double ProxyCpuSeconds, long ProxyRssKiB, LatencyHistogram Latency)
{
    public void Print(BenchOptions options, string path, bool bulk)
    {
        var value = bulk ? Bytes / 1048576.0 / Seconds : Operations / Seconds;
        var unit = bulk ? "MiB/s" : options.Scenario == "http-get" ? "req/s" : "conn/s";
        var cpuPerOp = double.IsNaN(ProxyCpuSeconds) || value == 0 ? double.NaN : ProxyCpuSeconds / Seconds / value * 1e6;
        var (p50, p99, p999) = bulk ? (0L, 0L, 0L) : (Latency.Percentile(50), Latency.Percentile(99), Latency.Percentile(99.9));

        var fields = new List<(string, string)>
        {
            ("scenario", options.Scenario),
            ("path", path),
            ("concurrency", options.Concurrency.ToString(CultureInfo.InvariantCulture)),
            ("value", value.ToString("0.0", CultureInfo.InvariantCulture)),
            ("unit", unit),
            ("errors", Errors.ToString(CultureInfo.InvariantCulture)),
        };
        if (bulk)
        {
            fields.Insert(2, ("direction", options.Direction));
        }
        else
        {
            fields.Add(("p50_us", p50.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("p99_us", p99.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("p999_us", p999.ToString(CultureInfo.InvariantCulture)));
        }

        if (options.Pid is not null)
        {
            fields.Add(("proxy_cores", (ProxyCpuSeconds / Seconds).ToString("0.00", CultureInfo.InvariantCulture)));
            fields.Add((bulk ? "proxy_cpu_us_per_mib" : "proxy_cpu_us_per_op", cpuPerOp.ToString("0.0", CultureInfo.InvariantCulture)));
            fields.Add(("proxy_rss_kib", ProxyRssKiB.ToString(CultureInfo.InvariantCulture)));
        }

        Console.WriteLine($"{options.Scenario} via {path}, concurrency {options.Concurrency}, {Seconds:0.0} s measured");
        Console.WriteLine($"  {value:0.0} {unit}{(bulk ? "" : $", latency p50 {p50} us, p99 {p99} us, p99.9 {p999} us")}, errors {Errors}");
        if (options.Pid is not null)
        {
            Console.WriteLine($"  proxy: {ProxyCpuSeconds / Seconds:0.00} cores, {cpuPerOp:0.0} us CPU per {(bulk ? "MiB" : "operation")}, RSS {ProxyRssKiB} KiB");
        }

        Console.WriteLine("result " + string.Join(' ', fields.Select(f => $"{f.Item1}={f.Item2}")));
    }
}
