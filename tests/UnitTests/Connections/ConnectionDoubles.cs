using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Connections;

/// <summary>
/// An in-memory <see cref="IUserConnectionStore"/> with the contract's rules (secrets merged, each with its set-at;
/// listings ordered by backend then owner, without values). Counts writes, so a refused request can be seen to write
/// nothing.
/// </summary>
internal sealed class InMemoryConnectionStore(TimeProvider time) : IUserConnectionStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ServerName Backend, ConnectionOwner Owner), Row> _rows = [];

    public int Writes { get; private set; }

    /// <summary>Stores OAuth tokens for an owner as the OAuth flow would (in use, or awaiting an administrator).</summary>
    public void GiveTokens(ServerName backend, ConnectionOwner owner, bool awaitingApproval = false)
    {
        lock (_gate)
        {
            var row = RowOf(backend, owner);
            row.OAuthAt = time.GetUtcNow();
            row.Awaiting = awaitingApproval;
        }
    }

    public Task<IReadOnlyList<UserConnectionSummary>> ListAsync(ServerName? backend, ConnectionOwner? owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<UserConnectionSummary>>([.. _rows
                .Where(r => (backend is null || r.Key.Backend == backend) && (owner is null || r.Key.Owner == owner))
                .OrderBy(r => r.Key.Backend.Value, StringComparer.Ordinal).ThenBy(r => r.Key.Owner.Key, StringComparer.Ordinal)
                .Select(r => new UserConnectionSummary(
                    r.Key.Backend, r.Key.Owner, [.. r.Value.Secrets.Select(s => new UserSecretInfo(s.Key, s.Value.SetAt))],
                    r.Value.OAuthAt, r.Value.Awaiting, r.Value.CreatedAt, r.Value.UpdatedAt))]);
        }
    }

    public Task<IReadOnlyDictionary<string, string>> GetSecretsAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyDictionary<string, string>>(_rows.TryGetValue((backend, owner), out var row)
                ? row.Secrets.ToDictionary(s => s.Key, s => s.Value.Value, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal));
        }
    }

    public Task SetSecretsAsync(ServerName backend, ConnectionOwner owner, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = RowOf(backend, owner);
            foreach (var (name, value) in values)
            {
                row.Secrets[name] = (value, time.GetUtcNow());
            }

            row.UpdatedAt = time.GetUtcNow();
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var removed = _rows.Remove((backend, owner));
            Writes += removed ? 1 : 0;
            return Task.FromResult(removed);
        }
    }

    public Task<int> DeleteForOwnerAsync(ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var keys = _rows.Keys.Where(k => k.Owner == owner).ToList();
            keys.ForEach(k => _rows.Remove(k));
            Writes += keys.Count > 0 ? 1 : 0;
            return Task.FromResult(keys.Count);
        }
    }

    private Row RowOf(ServerName backend, ConnectionOwner owner)
    {
        if (!_rows.TryGetValue((backend, owner), out var row))
        {
            row = new Row { CreatedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() };
            _rows[(backend, owner)] = row;
        }

        return row;
    }

    private sealed class Row
    {
        public Dictionary<string, (string Value, DateTimeOffset SetAt)> Secrets { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? OAuthAt { get; set; }

        public bool Awaiting { get; set; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; set; }
    }
}

/// <summary>An <see cref="IPerUserBackends"/> that records what was released (the runtime itself is Infrastructure's).</summary>
internal sealed class RecordingInstances : IPerUserBackends
{
    private readonly Lock _gate = new();
    private readonly List<(ServerName? Backend, ConnectionOwner Owner)> _released = [];

    public IReadOnlyList<(ServerName? Backend, ConnectionOwner Owner)> Released
    {
        get
        {
            lock (_gate)
            {
                return [.. _released];
            }
        }
    }

    public ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The control plane never asks for an instance.");

    public Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _released.Add((backend, owner));
        }

        return Task.CompletedTask;
    }
}

/// <summary>An <see cref="IUserBackendOAuth"/> that records the flows begun and answers approvals from a set of waiting owners.</summary>
internal sealed class RecordingUserOAuth : IUserBackendOAuth
{
    public List<(BackendSettings Backend, ConnectionOwner Owner, Uri RedirectUri)> Begun { get; } = [];

    public HashSet<(ServerName Backend, ConnectionOwner Owner)> Waiting { get; } = [];

    public List<(ServerName Backend, ConnectionOwner Owner)> Approved { get; } = [];

    public Task<Uri> BeginAsync(BackendSettings backend, ConnectionOwner owner, Uri redirectUri, CancellationToken cancellationToken)
    {
        Begun.Add((backend, owner, redirectUri));
        return Task.FromResult(new Uri($"https://auth.example.test/authorize?client_id=gw&state={Begun.Count}"));
    }

    public Task<UserConnectionOutcome> CompleteAsync(ServerName backend, ConnectionOwner owner, string state, string code, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The callback is not part of these tests.");

    public Task AbandonAsync(ServerName backend, ConnectionOwner owner, string state, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The callback is not part of these tests.");

    public Task<bool> ApproveAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        if (!Waiting.Remove((backend, owner)))
        {
            return Task.FromResult(false);
        }

        Approved.Add((backend, owner));
        return Task.FromResult(true);
    }
}
