using YarpEgress.Upstream;

namespace YarpEgress.Proxying;

/// <summary>
/// The gate's answer: the <see cref="DialPlan"/> of an allowed destination, or the refusal as each dialect sends it
/// (the <see cref="ProxyError"/> for CONNECT and plain HTTP, the TLS alert for an SNI connection before its handshake).
/// </summary>
internal readonly record struct Authorization(bool IsAllowed, DialPlan Plan, ProxyError Error, byte Alert)
{
    public static Authorization Allowed(in DialPlan plan) => new(true, plan, default, 0);

    public static Authorization Refused(in ProxyError error, byte alert) => new(false, default, error, alert);
}
