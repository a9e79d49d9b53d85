namespace YarpEgress.Diagnostics;

/// <summary>
/// Where a parser of config values (ports, host pins, header names, certificate files) reports what is wrong, each
/// problem at its key: the key the caller scoped the sink to, or an entry below it. It lets Policy, Routing and Tls
/// check their own input, every error at once, without importing the configuration that calls them; the configuration
/// compiler's error collector is the one implementation.
/// </summary>
internal interface IErrorSink
{
    /// <summary>A problem with the value at the scoped key (<c>Egress:Allow:0:Ports: the list is empty</c>).</summary>
    void Add(string message);

    /// <summary>A problem with the entry <paramref name="key"/> below the scoped key (<c>Egress:Hosts:a.example: ...</c>).</summary>
    void Add(string key, string message);

    /// <summary>A problem with the list entry <paramref name="index"/> below the scoped key (<c>Egress:Allow:0:Ports:1: ...</c>).</summary>
    void Add(int index, string message);

    /// <summary>The same sink at the key <paramref name="key"/> below this one.</summary>
    IErrorSink Scope(string key);
}
