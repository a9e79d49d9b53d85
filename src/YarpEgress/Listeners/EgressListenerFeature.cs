namespace YarpEgress.Listeners;

/// <summary>Set on every accepted connection: which configured listener took it.</summary>
internal sealed class EgressListenerFeature(string name, bool isAdmin)
{
    public string Name { get; } = name;

    public bool IsAdmin { get; } = isAdmin;
}
