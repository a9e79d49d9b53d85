using System.Text.Json;
using System.Text.Json.Nodes;
using YarpEgress.Configuration;
using YarpEgress.Listeners;

namespace YarpEgress.Admin;

/// <summary>
/// What <c>/config</c> shows: the config in force. That is the current snapshot, except for the settings bound at
/// start-up (listener and admin addresses, ports, protocols, TLS modes), which show what is bound (the port the OS
/// picked for port 0), with <c>pendingRestart</c> listing what a reloaded file changes in them. Secrets are redacted.
/// </summary>
internal static class ConfigView
{
    public static JsonObject Build(EgressConfigStore store, EgressEndpoints endpoints)
    {
        var current = store.Current.Options;
        var bound = store.Bound;
        var view = Node(current);
        var listeners = new JsonArray();
        foreach (var listener in bound.Listeners)
        {
            // Settings that reload live (an SNI listener's UpstreamPort, DefaultHost, certificates) come from the
            // current listener of the same name and protocol, as the listener itself reads them.
            var live = current.Listeners.Find(l => string.Equals(l.Name, listener.Name, StringComparison.OrdinalIgnoreCase) && l.Protocol == listener.Protocol) ?? listener;
            var node = Node(live);
            node[ConfigJson.Name(nameof(ListenerOptions.Address))] = listener.Address;
            node[ConfigJson.Name(nameof(ListenerOptions.Port))] = endpoints.GetBound(listener.Name).Port;
            node[ConfigJson.Name(nameof(ListenerOptions.Protocol))] = listener.Protocol.ToString();
            var mode = (listener.Tls?.Mode ?? SniTlsMode.Passthrough).ToString();
            if (node[ConfigJson.Name(nameof(ListenerOptions.Tls))] is JsonObject tls)
            {
                tls[ConfigJson.Name(nameof(SniTlsOptions.Mode))] = mode;
            }
            else if (listener.Tls is not null)
            {
                node[ConfigJson.Name(nameof(ListenerOptions.Tls))] = Node(listener.Tls);
            }

            listeners.Add(node);
        }

        view[ConfigJson.Name(nameof(EgressOptions.Listeners))] = listeners;
        var admin = Node(current.Admin);
        admin[ConfigJson.Name(nameof(AdminOptions.Address))] = bound.Admin.Address;
        admin[ConfigJson.Name(nameof(AdminOptions.Port))] = endpoints.GetBound(EgressEndpoints.AdminName).Port;
        view[ConfigJson.Name(nameof(EgressOptions.Admin))] = admin;

        var pending = new JsonArray();
        foreach (var change in store.PendingRestart())
        {
            pending.Add(change);
        }

        view["pendingRestart"] = pending;
        return view;
    }

    private static JsonObject Node<T>(T value) => JsonSerializer.SerializeToNode(value, ConfigJson.Options)!.AsObject();
}
