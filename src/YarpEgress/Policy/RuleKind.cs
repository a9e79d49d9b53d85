namespace YarpEgress.Policy;

internal enum RuleKind
{
    Allow,
    Deny,
}
