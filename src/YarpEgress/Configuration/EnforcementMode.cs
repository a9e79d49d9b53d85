namespace YarpEgress.Configuration;

/// <summary>Whether a denial blocks traffic or only reports it.</summary>
public enum EnforcementMode
{
    /// <summary>Denied traffic is refused.</summary>
    Enforce,

    /// <summary>Denied traffic goes through, logged and counted as <c>reported</c> with the rule that would have denied it.</summary>
    Report,
}
