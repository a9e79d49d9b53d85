namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// What the live config says about splicing (<c>Egress:Tunnels:Splice</c> and <c>SplicePipeBytes</c>), read for each
/// new tunnel; the composition root maps it from the options.
/// </summary>
internal readonly record struct SpliceSettings(bool Enabled, int PipeBytes);
