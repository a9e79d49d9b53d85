namespace YarpEgress.Policy;

/// <summary>A rule that a <see cref="HostRuleIndex{T}"/> can hold: ordered, and scoped to some ports.</summary>
internal interface IHostRule
{
    /// <summary>Position in its list; when several rules match, the lowest wins.</summary>
    int Order { get; }

    HostPattern Pattern { get; }

    bool MatchesPort(int port);
}
