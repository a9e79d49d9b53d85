namespace YarpEgress.Tests.Observability;

/// <summary>
/// The series selectors of a PromQL expression, with the labels the expression needs on each (see
/// <see cref="PromQlSelector"/>). A recursive-descent reading of the whole grammar that matters for names (selectors,
/// functions, aggregations with <c>by</c>/<c>without</c> before or after, binary operators with <c>bool</c>,
/// <c>on</c>/<c>ignoring</c> and <c>group_left</c>/<c>group_right</c>, ranges, subqueries, <c>offset</c>, <c>@</c>);
/// operator precedence does not change which names occur, so binary chains are read flat. Anything else is a
/// <see cref="FormatException"/>, so a typo in an expression fails the tests instead of hiding a name.
/// </summary>
internal sealed class PromQl
{
    private static readonly HashSet<string> Aggregations = new(StringComparer.OrdinalIgnoreCase)
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    };

    private static readonly HashSet<string> BinaryKeywords = new(StringComparer.OrdinalIgnoreCase) { "and", "or", "unless", "atan2" };

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan",
    };

    private readonly List<PromQlToken> _tokens;
    private readonly string _expression;
    private int _at;

    private PromQl(string expression)
    {
        _expression = expression;
        _tokens = PromQlLexer.Tokens(expression);
    }

    private PromQlToken Next => _tokens[_at];

    public static IReadOnlyList<PromQlSelector> Selectors(string expression)
    {
        var parser = new PromQl(expression);
        var selectors = parser.Expression();
        parser.Expect(PromQlTokenKind.End);
        return selectors;
    }

    private List<PromQlSelector> Expression()
    {
        var all = Unary();
        while (IsBinaryOperator(Next))
        {
            _at++;
            Accept("bool");
            string[] matching = [];
            if (Accept("on") || Accept("ignoring"))
            {
                matching = LabelList();
            }

            var (left, right) = (true, true);
            string[] included = [];
            if (Accept("group_left") || Accept("group_right"))
            {
                // group_left(x) copies x from the right-hand side ("one" side), group_right(x) from the left.
                var groupLeft = _tokens[_at - 1].Text.Equals("group_left", StringComparison.OrdinalIgnoreCase);
                (left, right) = (!groupLeft, groupLeft);
                included = Next.Is("(") ? LabelList() : [];
            }

            var operand = Unary();
            Require(all, matching);
            Require(operand, matching);
            Require(left ? all : [], included);
            Require(right ? operand : [], included);
            all.AddRange(operand);
        }

        return all;
    }

    private List<PromQlSelector> Unary()
    {
        while (Next.Is("-") || Next.Is("+"))
        {
            _at++;
        }

        var selectors = Primary();
        while (true)
        {
            if (Next.Kind == PromQlTokenKind.Range)
            {
                _at++;
            }
            else if (Accept("offset"))
            {
                Accept("-");
                Expect(PromQlTokenKind.Number, PromQlTokenKind.Variable);
            }
            else if (Accept("@"))
            {
                if (Next.Kind == PromQlTokenKind.Identifier)
                {
                    _at++; // start() / end()
                    Expect("(");
                    Expect(")");
                }
                else
                {
                    Expect(PromQlTokenKind.Number);
                }
            }
            else
            {
                return selectors;
            }
        }
    }

    private List<PromQlSelector> Primary()
    {
        var token = Next;
        switch (token.Kind)
        {
            case PromQlTokenKind.Number or PromQlTokenKind.String or PromQlTokenKind.Variable:
                _at++;
                return [];
            case PromQlTokenKind.Punctuation when token.Text == "(":
                _at++;
                var inner = Expression();
                Expect(")");
                return inner;
            case PromQlTokenKind.Punctuation when token.Text == "{":
                var unnamed = new PromQlSelector(string.Empty);
                Matchers(unnamed);
                var name = unnamed.Matchers.FirstOrDefault(m => m is { Label: "__name__", Operator: "=" })
                    ?? throw new FormatException($"a selector without a metric name at {token.Position} in: {_expression}");
                var named = new PromQlSelector(name.Value);
                named.Matchers.AddRange(unnamed.Matchers.Where(m => m.Label != "__name__"));
                named.Labels.UnionWith(named.Matchers.Select(m => m.Label));
                return [named];
            case PromQlTokenKind.Identifier when Aggregations.Contains(token.Text):
                _at++;
                return Aggregation();
            case PromQlTokenKind.Identifier when _tokens[_at + 1].Is("("):
                _at++;
                return Arguments();
            case PromQlTokenKind.Identifier when Keywords.Contains(token.Text):
                if (token.Text.Equals("inf", StringComparison.OrdinalIgnoreCase) || token.Text.Equals("nan", StringComparison.OrdinalIgnoreCase))
                {
                    _at++;
                    return [];
                }

                throw new FormatException($"unexpected keyword {token} in: {_expression}");
            case PromQlTokenKind.Identifier:
                _at++;
                var selector = new PromQlSelector(token.Text);
                if (Next.Is("{"))
                {
                    Matchers(selector);
                }

                return [selector];
            default:
                throw new FormatException($"unexpected {token} in: {_expression}");
        }
    }

    /// <summary><c>sum by (a) (x)</c> or <c>sum (x) by (a)</c>; the grouping labels are needed on every selector inside.</summary>
    private List<PromQlSelector> Aggregation()
    {
        var grouping = Accept("by") || Accept("without") ? LabelList() : null;
        var selectors = Arguments();
        if (grouping is null && (Accept("by") || Accept("without")))
        {
            grouping = LabelList();
        }

        Require(selectors, grouping ?? []);
        return selectors;
    }

    private List<PromQlSelector> Arguments()
    {
        Expect("(");
        var selectors = new List<PromQlSelector>();
        while (!Next.Is(")"))
        {
            selectors.AddRange(Expression());
            if (!Accept(","))
            {
                break;
            }
        }

        Expect(")");
        return selectors;
    }

    private void Matchers(PromQlSelector selector)
    {
        Expect("{");
        while (!Next.Is("}"))
        {
            var label = Expect(PromQlTokenKind.Identifier, PromQlTokenKind.String).Text;
            var op = Expect(PromQlTokenKind.Operator).Text;
            if (op is not ("=" or "!=" or "=~" or "!~"))
            {
                throw new FormatException($"'{op}' is not a label matcher operator in: {_expression}");
            }

            selector.Matchers.Add(new PromQlMatcher(label, op, Expect(PromQlTokenKind.String).Text));
            selector.Labels.Add(label);
            if (!Accept(","))
            {
                break;
            }
        }

        Expect("}");
    }

    private string[] LabelList()
    {
        Expect("(");
        var labels = new List<string>();
        while (!Next.Is(")"))
        {
            labels.Add(Expect(PromQlTokenKind.Identifier, PromQlTokenKind.String).Text);
            if (!Accept(","))
            {
                break;
            }
        }

        Expect(")");
        return [.. labels];
    }

    private static void Require(List<PromQlSelector> selectors, string[] labels)
    {
        foreach (var selector in selectors)
        {
            selector.Labels.UnionWith(labels);
        }
    }

    private static bool IsBinaryOperator(PromQlToken token) =>
        (token.Kind == PromQlTokenKind.Operator && token.Text is not ("=" or "=~" or "!~" or "@"))
        || (token.Kind == PromQlTokenKind.Identifier && BinaryKeywords.Contains(token.Text));

    private bool Accept(string text)
    {
        var token = Next;
        var matches = token.Kind == PromQlTokenKind.Identifier ? token.Text.Equals(text, StringComparison.OrdinalIgnoreCase) : token.Is(text);
        if (matches)
        {
            _at++;
        }

        return matches;
    }

    private void Expect(string text)
    {
        if (!Accept(text))
        {
            throw new FormatException($"expected '{text}', found {Next} in: {_expression}");
        }
    }

    private PromQlToken Expect(params PromQlTokenKind[] kinds)
    {
        var token = Next;
        if (!kinds.Contains(token.Kind))
        {
            throw new FormatException($"expected {string.Join(" or ", kinds)}, found {token} in: {_expression}");
        }

        _at++;
        return token;
    }
}
