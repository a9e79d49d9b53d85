using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using YarpEgress.Configuration;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>A config that stays broken is reported once per content, however often the sources signal a reload.</summary>
public sealed class RejectedReloadTests
{
    private const string RejectedLine = "EgressConfigStore[101]";

    [Fact]
    public async Task Unchanged_rejected_content_is_logged_once_and_a_change_of_it_again()
    {
        var good = JsonSerializer.SerializeToNode(TestGateway.Config(allow: [new { Host = "a.example.test" }]))!;
        good["Logging"] = JsonSerializer.SerializeToNode(new { Console = new { FormatterName = "simple", FormatterOptions = new { ColorBehavior = "Disabled" } } });
        await using var gateway = await TestGateway.StartAsync(good, ConsoleCapture.AddTo);
        var store = gateway.Services.GetRequiredService<EgressConfigStore>();
        var root = (IConfigurationRoot)gateway.Services.GetRequiredService<IConfiguration>();
        var capture = gateway.Services.GetRequiredService<ConsoleCapture>();
        var rejections = 0;
        store.Rejected += _ => Interlocked.Increment(ref rejections);
        int Logged() => capture.Text.Split(RejectedLine).Length - 1;

        // Every source reloads (and signals) on Reload(): the same bytes, re-read, as a poll that saw a change would.
        void ReloadUnchanged(int times)
        {
            for (var i = 0; i < times; i++)
            {
                root.Reload();
            }
        }

        Assert.False(await gateway.ReloadAsync("{ \"Egress\": { broken"));
        ReloadUnchanged(5);
        Assert.Equal(1, Volatile.Read(ref rejections));
        Assert.Equal(1, Logged());

        // Other broken content is news: reported, then quiet again.
        Assert.False(await gateway.ReloadAsync(TestGateway.Config(allow: [new { Host = "w*w.example.test" }])));
        ReloadUnchanged(5);
        Assert.Equal(2, Volatile.Read(ref rejections));
        Assert.Equal(2, Logged());
        Assert.Contains("'w*w.example.test' is not a valid host pattern", capture.Text, StringComparison.Ordinal);

        // After a good config, the first broken content is news again.
        Assert.True(await gateway.ReloadAsync(good));
        Assert.False(await gateway.ReloadAsync("{ \"Egress\": { broken"));
        ReloadUnchanged(3);
        Assert.Equal(3, Volatile.Read(ref rejections));
        Assert.Equal(3, Logged());
    }
}
