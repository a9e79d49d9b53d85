using System.Buffers;
using System.Text;
using YarpEgress.Listeners.HttpConnect;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Connect;

public sealed class FirstRequestSchemeTests
{
    [Theory]
    [InlineData("GET ws://a.example/ HTTP/1.1\r\n", "ws")]
    [InlineData("GET ftp://a.example/f HTTP/1.1\r\n", "ftp")]
    [InlineData("POST git+ssh://a/b HTTP/1.1\r\n", "git+ssh")]
    [InlineData("GET WSS://a/ HTTP/1.1\r\n", "WSS")]
    public void Reports_a_scheme_that_is_not_http(string line, string scheme)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        foreach (var buffer in new[] { new ReadOnlySequence<byte>(bytes), Segments.Bytewise(bytes) })
        {
            Assert.Equal(SchemeCheck.Unsupported, FirstRequestScheme.Check(buffer, out var found));
            Assert.Equal(scheme, found);
        }
    }

    [Theory]
    [InlineData("GET HTTP://a.example/x HTTP/1.1\r\n", "GET http://a.example/x HTTP/1.1\r\n")]
    [InlineData("GET HtTpS://a/ HTTP/1.1\r\n", "GET https://a/ HTTP/1.1\r\n")]
    [InlineData("GET http://A.example/%41 HTTP/1.1\r\n", "GET http://A.example/%41 HTTP/1.1\r\n")]
    public void Lowers_an_http_scheme_in_place_and_nothing_else(string line, string after)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        Assert.Equal(SchemeCheck.Fine, FirstRequestScheme.Check(Segments.Split(bytes, 6), out _));
        Assert.Equal(after, Encoding.ASCII.GetString(bytes));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("OPTIONS * HTTP/1.1\r\n")]
    [InlineData("GET example.com:80 HTTP/1.1\r\n")]
    [InlineData("GET 1ab://x HTTP/1.1\r\n")]
    [InlineData("AVERYLONGMETHODNAMETHATGOESONANDONANDONANDONANDONANDONANDONANDONANDON ws://x/ HTTP/1.1\r\n")]
    public void Leaves_everything_else_to_Kestrel(string line)
    {
        Assert.Equal(SchemeCheck.Fine, FirstRequestScheme.Check(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line)), out _));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("GET ")]
    [InlineData("GET ws")]
    [InlineData("GET ws:")]
    [InlineData("GET ws:/")]
    public void Waits_for_the_method_and_scheme(string start)
    {
        Assert.Equal(SchemeCheck.NeedMore, FirstRequestScheme.Check(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(start)), out _));
    }
}
