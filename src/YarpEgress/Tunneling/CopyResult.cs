namespace YarpEgress.Tunneling;

/// <summary>How one direction of a tunnel ended, as YARP's <c>StreamCopyResult</c> says it of a body copy.</summary>
internal enum CopyResult
{
    /// <summary>The source sent its FIN (its input completed), which was passed on to the destination.</summary>
    Completed,

    /// <summary>Reading the source failed: it reset or was closed.</summary>
    InputError,

    /// <summary>Writing to the destination failed: it reset, stopped reading, or was closed.</summary>
    OutputError,

    /// <summary>The tunnel was stopped (the other direction failed, a timeout, the drain) while this one copied.</summary>
    Canceled,
}
