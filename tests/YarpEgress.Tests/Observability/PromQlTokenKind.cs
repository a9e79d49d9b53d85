namespace YarpEgress.Tests.Observability;

/// <summary>What a <see cref="PromQlToken"/> is; a range or subquery is one token.</summary>
internal enum PromQlTokenKind
{
    Identifier,
    Number,
    String,
    Variable,
    Range,
    Punctuation,
    Operator,
    End,
}
