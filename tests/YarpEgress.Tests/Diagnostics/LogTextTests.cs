using YarpEgress.Diagnostics;

namespace YarpEgress.Tests.Diagnostics;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("a.example.test", "a.example.test")]
    [InlineData("h2", "h2")]
    [InlineData("x\r\ny", @"x\r\ny")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("\u001b[31mred", @"\x1B[31mred")]
    [InlineData("nul\0", @"nul\x00")]
    [InlineData("del\u007f", @"del\x7F")]
    [InlineData("csi\u009b2J", @"csi\x9B2J")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("bidi\u202eoverride", @"bidi\u202Eoverride")]
    [InlineData(@"already \r escaped", @"already \\r escaped")]
    [InlineData("café", "café")]
    public void Escapes_what_could_forge_or_hide_log_output(string value, string logged) => Assert.Equal(logged, LogText.Escape(value));

    [Fact]
    public void A_clean_value_is_returned_as_it_is_and_null_stays_null()
    {
        var value = string.Concat("allowed", ".example.test");
        Assert.Same(value, LogText.Escape(value));
        Assert.Null(LogText.Escape(null));
    }

    [Fact]
    public void No_escaped_value_holds_a_control_character()
    {
        var every = new string([.. Enumerable.Range(0, 0x3000).Select(i => (char)i)]);
        Assert.DoesNotContain(LogText.Escape(every), c => char.IsControl(c) || c is '\u2028' or '\u2029');
    }
}
