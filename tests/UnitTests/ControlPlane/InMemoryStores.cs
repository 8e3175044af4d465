using OneMcp.Application.Backends;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.UnitTests.ControlPlane;

/// <summary>
/// An in-memory <see cref="IBackendServiceRepository"/> with the contract's rules (unique names, optimistic
/// concurrency). It hands out copies, as a database does, so a handler's unsaved change never leaks into it.
/// </summary>
internal sealed class InMemoryBackendRepository : IBackendServiceRepository
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, BackendService> _rows = [];

    public int Writes { get; private set; }

    public IReadOnlyList<BackendService> Snapshot()
    {
        lock (_gate)
        {
            return [.. _rows.Values.Select(Copy)];
        }
    }

    public Task<IReadOnlyList<BackendService>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Snapshot());

    public Task<BackendService?> FindByNameAsync(ServerName name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = _rows.Values.FirstOrDefault(b => b.Name == name);
            return Task.FromResult(row is null ? null : Copy(row));
        }
    }

    public Task AddAsync(BackendService backend, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_rows.Values.Any(b => b.Name == backend.Name))
            {
                throw new DuplicateNameException("backend", backend.Name.Value);
            }

            _rows[backend.Id] = Copy(backend);

            backend.MarkSaved();
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(BackendService backend, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(backend.Id, out var stored) || stored.Version != backend.LoadedVersion)
            {
                throw new ConcurrencyConflictException("backend", backend.Id);
            }

            _rows[backend.Id] = Copy(backend);

            backend.MarkSaved();
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var removed = _rows.Remove(id);
            Writes += removed ? 1 : 0;
            return Task.FromResult(removed);
        }
    }

    private static BackendService Copy(BackendService b) =>
        BackendService.Restore(b.Id, b.Settings, b.Origin, b.Enabled, b.Version, b.CreatedAt, b.UpdatedAt);
}

internal sealed class InMemoryPresetRepository : IPresetRepository
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Preset> _rows = [];

    public int Writes { get; private set; }

    public Task<IReadOnlyList<Preset>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Preset>>([.. _rows.Values.Select(Copy)]);
        }
    }

    public Task<Preset?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = _rows.Values.FirstOrDefault(p => p.Name == name);
            return Task.FromResult(row is null ? null : Copy(row));
        }
    }

    public Task AddAsync(Preset preset, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_rows.Values.Any(p => p.Name == preset.Name))
            {
                throw new DuplicateNameException("preset", preset.Name);
            }

            _rows[preset.Id] = Copy(preset);

            preset.MarkSaved();
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(Preset preset, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(preset.Id, out var stored) || stored.Version != preset.LoadedVersion)
            {
                throw new ConcurrencyConflictException("preset", preset.Id);
            }

            _rows[preset.Id] = Copy(preset);

            preset.MarkSaved();
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var removed = _rows.Remove(id);
            Writes += removed ? 1 : 0;
            return Task.FromResult(removed);
        }
    }

    private static Preset Copy(Preset p) => Preset.Restore(p.Id, p.Name, p.Expression, p.Description, p.Version, p.CreatedAt, p.UpdatedAt);
}

/// <summary>Records what the control plane asked the pool to run.</summary>
internal sealed class RecordingRuntime : IBackendRuntime
{
    public IReadOnlyList<BackendSettings> Desired { get; private set; } = [];

    public int Applies { get; private set; }

    public BackendSettings Running(string name) => Desired.Single(s => s.Name.Value == name);

    public Task ApplyAsync(IReadOnlyList<BackendSettings> desired, bool waitForConnections, CancellationToken cancellationToken)
    {
        Desired = desired;
        Applies++;
        return Task.CompletedTask;
    }

    public List<string> Reconnected { get; } = [];

    public Task ReconnectAsync(ServerName name, CancellationToken cancellationToken)
    {
        Reconnected.Add(name.Value);
        return Task.CompletedTask;
    }
}

/// <summary>Authorization requests in memory, with the repository's version check.</summary>
internal sealed class InMemoryAuthorizationRequestRepository : IAuthorizationRequestRepository
{
    private readonly Dictionary<Guid, AuthorizationRequest> _requests = [];

    public AuthorizationRequest Stored(Guid id) => Copy(_requests[id]);

    public Task<AuthorizationRequest?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(_requests.TryGetValue(id, out var request) ? Copy(request) : null);

    public Task<IReadOnlyList<AuthorizationRequest>> ListPendingAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AuthorizationRequest>>(
            [.. _requests.Values.Where(r => r.Status == AuthorizationRequestStatus.Pending && r.ExpiresAt > now).OrderBy(r => r.CreatedAt).Select(Copy)]);

    public Task AddAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        _requests.Add(request.Id, Copy(request));
        request.MarkSaved();
        return Task.CompletedTask;
    }

    public Task UpdateAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        if (!_requests.TryGetValue(request.Id, out var stored) || stored.Version != request.LoadedVersion)
        {
            throw new ConcurrencyConflictException("authorization request", request.Id);
        }

        _requests[request.Id] = Copy(request);

        request.MarkSaved();
        return Task.CompletedTask;
    }

    public Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => Task.FromResult(0);

    private static AuthorizationRequest Copy(AuthorizationRequest r) => r switch
    {
        ClientConsentRequest c => ClientConsentRequest.Restore(
            c.Id, c.Status, c.Subject, c.ClientId, c.ClientName, c.RequestedScopes, c.GrantedScopes, c.ParametersDigest,
            c.Version, c.CreatedAt, c.ExpiresAt, c.DecidedAt, c.DecidedBy, c.RequiresAdministrator, c.RedeemedAt),
        BackendConnectionRequest b => BackendConnectionRequest.Restore(
            b.Id, b.Status, b.Subject, b.BackendName, b.RequestedScopes, b.GrantedScopes, b.ProtectedTokens,
            b.Version, b.CreatedAt, b.ExpiresAt, b.DecidedAt, b.DecidedBy),
        _ => throw new ArgumentOutOfRangeException(nameof(r), r.Kind, "Unknown kind."),
    };
}
