using System.Text;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// Splits a PromQL expression into tokens. Ranges and subqueries (<c>[5m]</c>, <c>[$__rate_interval]</c>,
/// <c>[1h:5m]</c>) are one token each, so their durations are never taken for names; Grafana's variables
/// (<c>$var</c>, <c>${var}</c>) are tokens of their own; <c>#</c> starts a comment.
/// </summary>
internal static class PromQlLexer
{
    private static readonly string[] Operators = ["==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "=", "@"];

    public static List<PromQlToken> Tokens(string expression)
    {
        var tokens = new List<PromQlToken>();
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '#')
            {
                while (i < expression.Length && expression[i] != '\n')
                {
                    i++;
                }
            }
            else if (IsIdentifierStart(c))
            {
                while (i < expression.Length && IsIdentifierPart(expression[i]))
                {
                    i++;
                }

                tokens.Add(new(PromQlTokenKind.Identifier, expression[start..i], start));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1])))
            {
                // 1, 0.95, 1e-3, 0x1f, and the durations of offset (5m, 1h30m)
                i++;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '.'
                    || (expression[i] is '+' or '-' && expression[i - 1] is 'e' or 'E' && !expression[start..i].StartsWith("0x", StringComparison.OrdinalIgnoreCase))))
                {
                    i++;
                }

                tokens.Add(new(PromQlTokenKind.Number, expression[start..i], start));
            }
            else if (c is '"' or '\'' or '`')
            {
                tokens.Add(new(PromQlTokenKind.String, ReadString(expression, ref i), start));
            }
            else if (c == '$')
            {
                i++;
                if (i < expression.Length && expression[i] == '{')
                {
                    i = ClosingIndex(expression, i, '}') + 1;
                }
                else
                {
                    while (i < expression.Length && IsIdentifierPart(expression[i]))
                    {
                        i++;
                    }
                }

                tokens.Add(new(PromQlTokenKind.Variable, expression[start..i], start));
            }
            else if (c == '[')
            {
                i = ClosingIndex(expression, i, ']') + 1;
                tokens.Add(new(PromQlTokenKind.Range, expression[(start + 1)..(i - 1)].Trim(), start));
            }
            else if (c is '(' or ')' or '{' or '}' or ',')
            {
                tokens.Add(new(PromQlTokenKind.Punctuation, c.ToString(), start));
                i++;
            }
            else if (Operators.FirstOrDefault(o => string.CompareOrdinal(expression, i, o, 0, o.Length) == 0) is { } op)
            {
                tokens.Add(new(PromQlTokenKind.Operator, op, start));
                i += op.Length;
            }
            else
            {
                throw new FormatException($"unexpected '{c}' at {i} in: {expression}");
            }
        }

        tokens.Add(new(PromQlTokenKind.End, string.Empty, expression.Length));
        return tokens;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c is '_' or ':';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or ':';

    private static int ClosingIndex(string expression, int open, char close)
    {
        var end = expression.IndexOf(close, open + 1);
        return end < 0 ? throw new FormatException($"'{expression[open]}' at {open} is never closed in: {expression}") : end;
    }

    private static string ReadString(string expression, ref int i)
    {
        var quote = expression[i++];
        var text = new StringBuilder();
        while (i < expression.Length && expression[i] != quote)
        {
            if (expression[i] == '\\' && quote != '`' && i + 1 < expression.Length)
            {
                i++;
            }

            text.Append(expression[i++]);
        }

        if (i >= expression.Length)
        {
            throw new FormatException($"a string is never closed in: {expression}");
        }

        i++;
        return text.ToString();
    }
}
