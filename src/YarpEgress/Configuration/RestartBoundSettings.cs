namespace YarpEgress.Configuration;

/// <summary>
/// The settings bound at start-up (each listener's address, port, protocol and TLS mode, and the admin address and
/// port), and what a reloaded config changes in them: those changes wait for a restart.
/// </summary>
internal static class RestartBoundSettings
{
    /// <summary>One line per pending change, with its key path in the new config: <c>Egress:Listeners:0:Port: 3129 in the config; 3128 at start-up, in force until a restart</c>.</summary>
    public static List<string> Changes(EgressOptions bound, EgressOptions next)
    {
        var changes = new List<string>();
        var root = EgressOptions.SectionName;
        foreach (var listener in bound.Listeners)
        {
            var index = next.Listeners.FindIndex(l => string.Equals(l.Name, listener.Name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                changes.Add($"{root}:Listeners: '{listener.Name}' was removed; it stays bound until a restart");
                continue;
            }

            var key = $"{root}:Listeners:{index}";
            var other = next.Listeners[index];
            Compare(changes, $"{key}:Address", other.Address, listener.Address);
            Compare(changes, $"{key}:Port", other.Port, listener.Port);
            Compare(changes, $"{key}:Protocol", other.Protocol, listener.Protocol);
            Compare(changes, $"{key}:Tls:Mode", other.Tls?.Mode ?? SniTlsMode.Passthrough, listener.Tls?.Mode ?? SniTlsMode.Passthrough);
        }

        for (var i = 0; i < next.Listeners.Count; i++)
        {
            if (!bound.Listeners.Exists(l => string.Equals(l.Name, next.Listeners[i].Name, StringComparison.OrdinalIgnoreCase)))
            {
                changes.Add($"{root}:Listeners:{i}: '{next.Listeners[i].Name}' is new; it is bound after a restart");
            }
        }

        Compare(changes, $"{root}:Admin:Address", next.Admin.Address, bound.Admin.Address);
        Compare(changes, $"{root}:Admin:Port", next.Admin.Port, bound.Admin.Port);
        Compilation.KubernetesCompiler.RestartChanges(bound, next, changes);
        return changes;
    }

    private static void Compare<T>(List<string> changes, string key, T configured, T inForce)
    {
        if (!EqualityComparer<T>.Default.Equals(configured, inForce))
        {
            changes.Add($"{key}: {configured} in the config; {inForce} at start-up, in force until a restart");
        }
    }
}
