namespace YarpEgress.Listeners.Http;

/// <summary>RFC 9110 7.6.2 <c>Max-Forwards</c> (<c>1*DIGIT</c>), which TRACE and OPTIONS obey.</summary>
internal static class MaxForwards
{
    /// <summary>The value of a single well-formed field; false when it is absent, repeated or not a number that fits.</summary>
    public static bool TryRead(IHeaderDictionary headers, out long value)
    {
        value = 0;
        var field = headers.MaxForwards;
        if (field.Count != 1 || field[0] is not { Length: > 0 and <= 18 } text)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    /// <summary>A TRACE or OPTIONS with <c>Max-Forwards: 0</c>: the gateway is its final recipient.</summary>
    public static bool EndsHere(HttpRequest request) =>
        (HttpMethods.IsTrace(request.Method) || HttpMethods.IsOptions(request.Method)) && TryRead(request.Headers, out var value) && value == 0;
}
