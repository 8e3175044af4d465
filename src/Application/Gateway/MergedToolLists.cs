using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Gateway;

/// <summary>
/// The merged <c>tools/list</c> answers of the sessions that see the same per-backend lists: one
/// <see cref="ListToolsResult"/> per set of <see cref="ExposedCapabilities"/> (compared by reference: the catalog makes
/// a new one whenever a backend's tools or settings change), so that the transport can serialize each answer once
/// instead of once per request (ADR 0035). Bounded: the set used longest ago goes first.
/// </summary>
internal sealed class MergedToolLists(int capacity = MergedToolLists.DefaultCapacity)
{
    /// <summary>Distinct views (filters, grants, per-server endpoints) kept at once.</summary>
    public const int DefaultCapacity = 16;

    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _recent = new();

    public ListToolsResult For(IReadOnlyList<ExposedCapabilities> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        lock (_gate)
        {
            for (var node = _recent.First; node is not null; node = node.Next)
            {
                if (node.Value.Holds(parts))
                {
                    _recent.Remove(node);
                    _recent.AddFirst(node);
                    return node.Value.Result;
                }
            }
        }

        var result = Merge(parts);
        lock (_gate)
        {
            _recent.AddFirst(new Entry([.. parts], result));
            if (_recent.Count > capacity)
            {
                _recent.RemoveLast();
            }
        }

        return result;
    }

    /// <summary>The backends' lists one after the other, in a new answer of its own.</summary>
    public static ListToolsResult Merge(IReadOnlyList<ExposedCapabilities> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var tools = new List<Tool>(parts.Sum(p => p.Tools.Count));
        foreach (var part in parts)
        {
            tools.AddRange(part.Tools);
        }

        return new ListToolsResult { Tools = tools };
    }

    private sealed record Entry(ExposedCapabilities[] Parts, ListToolsResult Result)
    {
        // By reference: ExposedCapabilities is a record, and its value equality would compare every tool.
        public bool Holds(IReadOnlyList<ExposedCapabilities> parts)
        {
            if (parts.Count != Parts.Length)
            {
                return false;
            }

            for (var i = 0; i < Parts.Length; i++)
            {
                if (!ReferenceEquals(Parts[i], parts[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
