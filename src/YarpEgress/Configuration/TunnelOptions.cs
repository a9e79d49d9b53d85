namespace YarpEgress.Configuration;

/// <summary><c>Egress:Tunnels</c>: how CONNECT and SNI-passthrough tunnels move their bytes. Reloads live, for new tunnels.</summary>
public sealed class TunnelOptions
{
    /// <summary>The smallest and largest pipe <see cref="SplicePipeBytes"/> may ask for (Linux's page and its default <c>pipe-max-size</c>).</summary>
    public const int MinPipeBytes = 4096;

    public const int MaxPipeBytes = 1024 * 1024;

    /// <summary>
    /// On Linux, relay a detached tunnel's bytes with <c>splice(2)</c> through a kernel pipe per direction, on the
    /// gateway's own epoll loop, instead of copying them through user space. Elsewhere, and for TLS-terminated
    /// tunnels, the copier runs whatever this says.
    /// </summary>
    public bool Splice { get; set; } = true;

    /// <summary>The capacity the splice engine asks for each pipe (<c>F_SETPIPE_SZ</c>); 0 keeps the kernel's default (64 KiB).</summary>
    public int SplicePipeBytes { get; set; }
}
