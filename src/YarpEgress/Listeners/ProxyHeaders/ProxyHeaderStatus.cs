namespace YarpEgress.Listeners.ProxyHeaders;

/// <summary>What <see cref="ProxyHeaderParser"/> made of the bytes so far.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>A whole PROXY header was read.</summary>
    Complete,

    /// <summary>The first bytes are not a PROXY protocol signature (v1 <c>PROXY </c> or the v2 binary signature).</summary>
    NotProxy,

    /// <summary>It starts as a PROXY header but breaks the grammar.</summary>
    Invalid,

    /// <summary>Longer than a PROXY header may be: no v1 line end in 107 bytes, or a v2 block over the cap.</summary>
    TooLarge,
}
