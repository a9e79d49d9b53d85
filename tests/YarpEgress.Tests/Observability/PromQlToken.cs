namespace YarpEgress.Tests.Observability;

/// <summary>A token of a PromQL expression; a string's text is unquoted, a range's (<c>[5m:1m]</c>) is its content.</summary>
internal readonly record struct PromQlToken(PromQlTokenKind Kind, string Text, int Position)
{
    public bool Is(string text) => Kind is PromQlTokenKind.Punctuation or PromQlTokenKind.Operator or PromQlTokenKind.Identifier && Text == text;

    public override string ToString() => Kind == PromQlTokenKind.End ? "the end" : $"'{Text}' at {Position}";
}
