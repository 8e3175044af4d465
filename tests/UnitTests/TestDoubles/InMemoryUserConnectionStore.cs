using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>
/// An <see cref="IUserConnectionStore"/> in a dictionary with the contract's rules: secrets per backend and owner merged,
/// each with its set-at; OAuth tokens as a flag; listings ordered by backend then owner, without values. Counts reads and
/// writes, so a refused request can be seen to write nothing.
/// </summary>
public sealed class InMemoryUserConnectionStore(TimeProvider? time = null) : IUserConnectionStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ServerName Backend, ConnectionOwner Owner), Entry> _entries = [];
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How many times the secrets were read (the runtime reads them once per started connection).</summary>
    public int SecretReads { get; private set; }

    /// <summary>How many changes were stored (a delete that found nothing is none).</summary>
    public int Writes { get; private set; }

    public void MarkOAuthConnected(ServerName backend, ConnectionOwner owner, bool awaitingApproval = false)
    {
        lock (_gate)
        {
            var entry = GetOrAdd(backend, owner);
            entry.OAuthAt = _time.GetUtcNow();
            entry.AwaitingApproval = awaitingApproval;
        }
    }

    public Task<IReadOnlyList<UserConnectionSummary>> ListAsync(ServerName? backend, ConnectionOwner? owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<UserConnectionSummary> list = [.. _entries
                .Where(e => (backend is null || e.Key.Backend == backend) && (owner is null || e.Key.Owner == owner))
                .OrderBy(e => e.Key.Backend.Value, StringComparer.Ordinal).ThenBy(e => e.Key.Owner.Key, StringComparer.Ordinal)
                .Select(e => new UserConnectionSummary(
                    e.Key.Backend,
                    e.Key.Owner,
                    [.. e.Value.Secrets.Select(s => new UserSecretInfo(s.Key, s.Value.SetAt, s.Value.SetFor))],
                    e.Value.OAuthAt,
                    e.Value.AwaitingApproval,
                    e.Value.CreatedAt,
                    e.Value.UpdatedAt))];
            return Task.FromResult(list);
        }
    }

    public Task<IReadOnlyDictionary<string, UserSecretValue>> GetSecretsAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            SecretReads++;
            IReadOnlyDictionary<string, UserSecretValue> values = _entries.TryGetValue((backend, owner), out var entry)
                ? entry.Secrets.ToDictionary(s => s.Key, s => new UserSecretValue(s.Value.Value, s.Value.SetFor), StringComparer.Ordinal)
                : new Dictionary<string, UserSecretValue>(StringComparer.Ordinal);
            return Task.FromResult(values);
        }
    }

    public Task SetSecretsAsync(ServerName backend, ConnectionOwner owner, IReadOnlyDictionary<string, string> values, string? setFor, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var entry = GetOrAdd(backend, owner);
            foreach (var (name, value) in values)
            {
                entry.Secrets[name] = (value, _time.GetUtcNow(), setFor);
            }

            entry.UpdatedAt = _time.GetUtcNow();
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var removed = _entries.Remove((backend, owner));
            Writes += removed ? 1 : 0;
            return Task.FromResult(removed);
        }
    }

    public Task<int> DeleteForOwnerAsync(ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var keys = _entries.Keys.Where(k => k.Owner == owner).ToList();
            keys.ForEach(k => _entries.Remove(k));
            Writes += keys.Count > 0 ? 1 : 0;
            return Task.FromResult(keys.Count);
        }
    }

    private Entry GetOrAdd(ServerName backend, ConnectionOwner owner)
    {
        if (!_entries.TryGetValue((backend, owner), out var entry))
        {
            entry = new Entry { CreatedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow() };
            _entries[(backend, owner)] = entry;
        }

        return entry;
    }

    private sealed class Entry
    {
        public Dictionary<string, (string Value, DateTimeOffset SetAt, string? SetFor)> Secrets { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? OAuthAt { get; set; }

        public bool AwaitingApproval { get; set; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; set; }
    }
}
