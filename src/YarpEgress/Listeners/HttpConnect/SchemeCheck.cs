namespace YarpEgress.Listeners.HttpConnect;

/// <summary>What <see cref="FirstRequestScheme.Check"/> found.</summary>
internal enum SchemeCheck
{
    /// <summary>Hand the bytes to Kestrel as they are (or as lowered).</summary>
    Fine,

    /// <summary>The method and scheme have not arrived yet.</summary>
    NeedMore,

    /// <summary>An absolute-form target with a scheme this gateway does not forward: answer 400.</summary>
    Unsupported,
}
