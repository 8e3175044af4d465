using OneMcp.Domain.Common;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>
/// The rows of an in-memory repository, with a database's rules: a name taken once, optimistic concurrency (a stale copy
/// is refused), and copies handed out and stored, so that a handler's unsaved change never leaks into the store.
/// </summary>
/// <param name="entity">What a row is called in the repository's errors (<c>tag scope</c>).</param>
/// <param name="copy">A copy as the store would read it back.</param>
internal sealed class InMemoryAggregates<T>(string entity, Func<T, T> copy) where T : Aggregate
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, T> _rows = [];

    /// <summary>Successful adds, updates and removals.</summary>
    public int Writes { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>Copies of every row, in <paramref name="order"/> when given.</summary>
    public IReadOnlyList<T> All(Func<IEnumerable<T>, IEnumerable<T>>? order = null)
    {
        lock (_gate)
        {
            return [.. (order is null ? _rows.Values : order(_rows.Values)).Select(copy)];
        }
    }

    /// <summary>
    /// A copy of the first row that matches; <paramref name="afterRead"/> may then store another version of that row in
    /// its place, as a writer elsewhere would.
    /// </summary>
    public T? Find(Func<T, bool> match, Func<T, T?>? afterRead = null)
    {
        lock (_gate)
        {
            var row = _rows.Values.FirstOrDefault(match);
            if (row is null)
            {
                return null;
            }

            var found = copy(row);
            if (afterRead?.Invoke(copy(row)) is { } changed)
            {
                _rows[row.Id] = changed;
            }

            return found;
        }
    }

    /// <summary>Stores a new row; refused with <see cref="DuplicateNameException"/> when a stored row <paramref name="clashes"/>.</summary>
    public void Add(T aggregate, string name, Func<T, bool> clashes)
    {
        lock (_gate)
        {
            if (_rows.Values.Any(clashes))
            {
                throw new DuplicateNameException(entity, name);
            }

            _rows[aggregate.Id] = copy(aggregate);
            aggregate.MarkSaved();
            Writes++;
        }
    }

    /// <summary>Stores a changed row if the stored version is still the one it was loaded with.</summary>
    public void Update(T aggregate)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(aggregate.Id, out var stored) || stored.Version != aggregate.LoadedVersion)
            {
                throw new ConcurrencyConflictException(entity, aggregate.Id, aggregate.Id.ToString());
            }

            _rows[aggregate.Id] = copy(aggregate);
            aggregate.MarkSaved();
            Writes++;
        }
    }

    /// <summary>
    /// Removes, updates and adds as one transaction would: every rule is checked against the rows as they will be when the
    /// change before it is applied, and only then is anything stored, so a refused change set leaves the rows and the
    /// aggregates' saved state untouched.
    /// </summary>
    public void SaveAll(IReadOnlyList<Guid> removed, IReadOnlyList<T> updated, IReadOnlyList<(T Aggregate, string Name, Func<T, bool> Clashes)> added)
    {
        lock (_gate)
        {
            var rows = new Dictionary<Guid, T>(_rows);
            foreach (var id in removed)
            {
                rows.Remove(id);
            }

            foreach (var aggregate in updated)
            {
                if (!rows.TryGetValue(aggregate.Id, out var stored) || stored.Version != aggregate.LoadedVersion)
                {
                    throw new ConcurrencyConflictException(entity, aggregate.Id, aggregate.Id.ToString());
                }

                rows[aggregate.Id] = copy(aggregate);
            }

            foreach (var (aggregate, name, clashes) in added)
            {
                if (rows.Values.Any(clashes))
                {
                    throw new DuplicateNameException(entity, name);
                }

                rows[aggregate.Id] = copy(aggregate);
            }

            Writes += removed.Count(_rows.ContainsKey) + updated.Count + added.Count;
            _rows.Clear();
            foreach (var (id, row) in rows)
            {
                _rows[id] = row;
            }

            foreach (var aggregate in updated.Concat(added.Select(a => a.Aggregate)))
            {
                aggregate.MarkSaved();
            }
        }
    }

    public bool Remove(Guid id)
    {
        lock (_gate)
        {
            var removed = _rows.Remove(id);
            Writes += removed ? 1 : 0;
            return removed;
        }
    }
}
