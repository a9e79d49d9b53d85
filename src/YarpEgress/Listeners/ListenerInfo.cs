using YarpEgress.Configuration;

namespace YarpEgress.Listeners;

/// <summary>Set on every accepted connection: which configured listener took it, and what kind it is.</summary>
internal sealed class ListenerInfo(string name, ListenerKind kind, ListenerOptions? bound)
{
    public string Name { get; } = name;

    public ListenerKind Kind { get; } = kind;

    public bool IsAdmin => Kind == ListenerKind.Admin;

    public bool IsSni => Kind is ListenerKind.SniPassthrough or ListenerKind.SniTerminate;

    /// <summary>The listener as bound at start-up (null for the admin listener): its kind and endpoint never reload.</summary>
    public ListenerOptions? Bound { get; } = bound;

    /// <summary>The one place a proxy listener's kind is derived from its options.</summary>
    public static ListenerInfo For(ListenerOptions listener) => new(listener.Name, listener.Protocol switch
    {
        ListenerProtocol.Sni when listener.Tls?.Mode == SniTlsMode.Terminate => ListenerKind.SniTerminate,
        ListenerProtocol.Sni => ListenerKind.SniPassthrough,
        _ => ListenerKind.HttpProxy,
    }, listener);

    public static ListenerInfo Admin(string name) => new(name, ListenerKind.Admin, null);
}
