namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// Turns names seen into Allow rules, collapsing siblings. Names go into a tree by label, right to left; bottom-up,
/// a parent under which at least <c>MinSiblings</c> distinct labels lead to names seen takes them all as one pattern:
/// <c>*.parent</c> when every one is a name exactly one label below it (what <c>*</c> matches), else
/// <c>**.parent</c> (one or more labels). The parent itself, if seen, keeps its own rule: neither pattern matches it.
/// Nothing collapses under a one-label parent (<c>*.com</c>) or a two-label country suffix such as <c>co.uk</c>.
/// </summary>
internal static class SiblingCollapse
{
    /// <summary>Second-level labels that make a two-label name under a country code a public suffix (<c>co.uk</c>, <c>com.au</c>).</summary>
    private static readonly HashSet<string> SharedSecondLevels =
        ["ac", "co", "com", "edu", "go", "gob", "gov", "gv", "ltd", "mil", "ne", "net", "nic", "or", "org", "plc", "sch"];

    public static List<SuggestedRule> Collapse(IEnumerable<SeenName> names, int minSiblings)
    {
        var root = new Node(string.Empty, 0);
        foreach (var name in names)
        {
            var node = root;
            var labels = name.Host.Split('.');
            for (var i = labels.Length - 1; i >= 0; i--)
            {
                node = node.Child(labels[i]);
            }

            node.Seen = name;
        }

        var groups = Collect(root, minSiblings);
        var rules = new List<SuggestedRule>(groups.Count);
        foreach (var group in groups)
        {
            rules.Add(group.ToRule());
        }

        rules.Sort(static (a, b) => string.CompareOrdinal(a.Host, b.Host));
        return rules;
    }

    private static List<Group> Collect(Node node, int minSiblings)
    {
        var below = new List<Group>();
        var branches = 0;
        foreach (var child in node.Children.Values)
        {
            var items = Collect(child, minSiblings);
            if (items.Count > 0)
            {
                branches++;
                below.AddRange(items);
            }
        }

        if (branches >= minSiblings && MayCollapseUnder(node))
        {
            var oneLabelBelow = below.TrueForAll(g => g.IsName && g.Depth == node.Depth + 1);
            var merged = new Group((oneLabelBelow ? "*." : "**.") + node.Domain, node.Depth, isName: false);
            foreach (var group in below)
            {
                merged.Add(group);
            }

            below = [merged];
        }

        if (node.Seen is { } seen)
        {
            var own = new Group(seen.Host, node.Depth, isName: true);
            own.Add(seen);
            below.Add(own);
        }

        return below;
    }

    private static bool MayCollapseUnder(Node node)
    {
        if (node.Depth < 2)
        {
            return false;
        }

        var labels = node.Domain.Split('.');
        return !(labels.Length == 2 && labels[1].Length == 2 && SharedSecondLevels.Contains(labels[0]));
    }

    private sealed class Node(string domain, int depth)
    {
        public string Domain { get; } = domain;

        /// <summary>Labels in <see cref="Domain"/>.</summary>
        public int Depth { get; } = depth;

        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public SeenName? Seen { get; set; }

        public Node Child(string label)
        {
            if (!Children.TryGetValue(label, out var child))
            {
                Children[label] = child = new Node(Depth == 0 ? label : $"{label}.{Domain}", Depth + 1);
            }

            return child;
        }
    }

    /// <summary>A rule being built: its pattern and everything it covers so far.</summary>
    private sealed class Group(string host, int depth, bool isName)
    {
        private readonly SortedSet<int> _ports = [];
        private readonly List<string> _names = [];
        private long _allowed;
        private long _reported;
        private long _denied;
        private bool _morePorts;

        public int Depth { get; } = depth;

        public bool IsName { get; } = isName;

        public void Add(SeenName seen)
        {
            _ports.UnionWith(seen.Ports.Keys);
            _names.Add(seen.Host);
            _allowed += seen.Allowed;
            _reported += seen.Reported;
            _denied += seen.Denied;
            _morePorts |= seen.MorePorts;
        }

        public void Add(Group other)
        {
            _ports.UnionWith(other._ports);
            _names.AddRange(other._names);
            _allowed += other._allowed;
            _reported += other._reported;
            _denied += other._denied;
            _morePorts |= other._morePorts;
        }

        public SuggestedRule ToRule()
        {
            _names.Sort(StringComparer.Ordinal);
            return new SuggestedRule(host, [.. _ports], [.. _names], _allowed + _reported + _denied, _allowed, _reported, _denied, _morePorts);
        }
    }
}
