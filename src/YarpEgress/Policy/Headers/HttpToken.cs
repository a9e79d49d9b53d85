using System.Buffers;

namespace YarpEgress.Policy.Headers;

/// <summary>RFC 9110 5.6.2 <c>token</c>: header names, connection options, Via pseudonyms.</summary>
internal static class HttpToken
{
    private static readonly SearchValues<char> TChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    public static bool IsToken(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExcept(TChars);
}
