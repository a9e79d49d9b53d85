using System.Runtime.InteropServices;

namespace YarpEgress.Policy;

/// <summary>
/// Host rules in a trie keyed by label, rightmost label first, so a lookup costs the number of labels in the
/// host (times the wildcard branches actually present), not the number of rules. Lookups do not allocate.
/// </summary>
internal sealed class HostRuleIndex<T> where T : class, IHostRule
{
    private readonly Node _root = new();

    public int Count { get; private set; }

    public void Add(T rule)
    {
        var node = _root;
        foreach (var label in rule.Pattern.LabelsRightToLeft)
        {
            node = label == "*" ? node.Star ??= new Node() : node.Child(label);
        }

        if (rule.Pattern.IsDeep)
        {
            node.Deep.Add(rule);
        }
        else
        {
            node.Exact.Add(rule);
        }

        Count++;
    }

    /// <summary>The matching rule with the lowest <see cref="IHostRule.Order"/> that accepts the port, or null.</summary>
    public T? FindFirst(ReadOnlySpan<char> normalizedHost, int port)
    {
        T? best = null;
        Find(_root, normalizedHost, port, ref best);
        return best;
    }

    private static void Find(Node node, ReadOnlySpan<char> rest, int port, ref T? best)
    {
        if (rest.IsEmpty)
        {
            Consider(node.Exact, port, ref best);
            return;
        }

        // At least one label remains, so a '**' that ends here covers it.
        Consider(node.Deep, port, ref best);

        var dot = rest.LastIndexOf('.');
        var label = rest[(dot + 1)..];
        var next = dot < 0 ? [] : rest[..dot];
        if (node.TryGetChild(label, out var child))
        {
            Find(child, next, port, ref best);
        }

        if (node.Star is { } star)
        {
            Find(star, next, port, ref best);
        }
    }

    private static void Consider(List<T> rules, int port, ref T? best)
    {
        foreach (var rule in CollectionsMarshal.AsSpan(rules))
        {
            if ((best is null || rule.Order < best.Order) && rule.MatchesPort(port))
            {
                best = rule;
            }
        }
    }

    private sealed class Node
    {
        private Dictionary<string, Node>? _children;
        private Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public Node? Star;
        public readonly List<T> Exact = [];
        public readonly List<T> Deep = [];

        public Node Child(string label)
        {
            if (_children is null)
            {
                _children = new Dictionary<string, Node>(StringComparer.Ordinal);
                _lookup = _children.GetAlternateLookup<ReadOnlySpan<char>>();
            }

            if (!_children.TryGetValue(label, out var child))
            {
                child = new Node();
                _children.Add(label, child);
            }

            return child;
        }

        public bool TryGetChild(ReadOnlySpan<char> label, out Node child)
        {
            if (_children is null)
            {
                child = null!;
                return false;
            }

            return _lookup.TryGetValue(label, out child!);
        }
    }
}
