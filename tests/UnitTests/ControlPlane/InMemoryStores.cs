using OneMcp.Application.Backends;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Presets;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.ControlPlane;

/// <summary>
/// An in-memory <see cref="IBackendServiceRepository"/> with the contract's rules (unique names, optimistic
/// concurrency, a change set stored whole or not at all). It hands out copies, as a database does, so a handler's
/// unsaved change never leaks into it.
/// </summary>
internal sealed class InMemoryBackendRepository : IBackendServiceRepository
{
    private readonly InMemoryAggregates<BackendService> _rows = new("backend", static b =>
        BackendService.Restore(b.Id, b.Settings, b.Origin, b.Enabled, b.Version, b.CreatedAt, b.UpdatedAt));

    public int Writes => _rows.Writes;

    /// <summary>Runs before each <see cref="SaveChangesAsync"/>, as another replica writing between a read and a save would.</summary>
    public Action<InMemoryBackendRepository>? BeforeSave { get; set; }

    public IReadOnlyList<BackendService> Snapshot() => _rows.All();

    public Task<IReadOnlyList<BackendService>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Snapshot());

    public Task<BackendService?> FindByNameAsync(ServerName name, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.Find(b => b.Name == name));

    public Task AddAsync(BackendService backend, CancellationToken cancellationToken)
    {
        _rows.Add(backend, backend.Name.Value, b => b.Name == backend.Name);
        return Task.CompletedTask;
    }

    public Task UpdateAsync(BackendService backend, CancellationToken cancellationToken)
    {
        _rows.Update(backend);
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(_rows.Remove(id));

    public Task SaveChangesAsync(BackendChangeSet changes, CancellationToken cancellationToken)
    {
        BeforeSave?.Invoke(this);
        _rows.SaveAll(
            [.. changes.Removed.Select(b => b.Id)],
            changes.Updated,
            [.. changes.Added.Select(b => (b, b.Name.Value, (Func<BackendService, bool>)(stored => stored.Name == b.Name)))]);
        return Task.CompletedTask;
    }
}

/// <summary>An in-memory <see cref="IPresetRepository"/> with the contract's rules (unique names, optimistic concurrency).</summary>
internal sealed class InMemoryPresetRepository : IPresetRepository
{
    private readonly InMemoryAggregates<Preset> _rows = new("preset", static p =>
        Preset.Restore(p.Id, p.Name, p.Expression, p.Description, p.Version, p.CreatedAt, p.UpdatedAt));

    public int Writes => _rows.Writes;

    public Task<IReadOnlyList<Preset>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_rows.All());

    public Task<Preset?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.Find(p => p.Name == name));

    public Task AddAsync(Preset preset, CancellationToken cancellationToken)
    {
        _rows.Add(preset, preset.Name, p => p.Name == preset.Name);
        return Task.CompletedTask;
    }

    public Task UpdateAsync(Preset preset, CancellationToken cancellationToken)
    {
        _rows.Update(preset);
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(_rows.Remove(id));
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
    private readonly InMemoryAggregates<AuthorizationRequest> _requests = new("authorization request", Copy);

    public AuthorizationRequest Stored(Guid id) => _requests.Find(r => r.Id == id) ?? throw new KeyNotFoundException($"No authorization request {id}.");

    public Task<AuthorizationRequest?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(_requests.Find(r => r.Id == id));

    public Task<IReadOnlyList<AuthorizationRequest>> ListPendingAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(_requests.All(rows => rows.Where(r => r.Status == AuthorizationRequestStatus.Pending && r.ExpiresAt > now).OrderBy(r => r.CreatedAt)));

    public Task AddAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        _requests.Add(request, request.Id.ToString(), r => r.Id == request.Id);
        return Task.CompletedTask;
    }

    public Task UpdateAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        _requests.Update(request);
        return Task.CompletedTask;
    }

    public Task<int> PruneAsync(DateTimeOffset threshold, DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult(0);

    private static AuthorizationRequest Copy(AuthorizationRequest r) => r switch
    {
        ClientConsentRequest c => ClientConsentRequest.Restore(
            c.Id, c.Status, c.Subject, c.ClientId, c.ClientName, c.RequestedScopes, c.GrantedScopes, c.ParametersDigest,
            c.Version, c.CreatedAt, c.ExpiresAt, c.DecidedAt, c.DecidedBy, c.RequiresAdministrator, c.RedeemedAt, c.RedirectUri),
        BackendConnectionRequest b => BackendConnectionRequest.Restore(
            b.Id, b.Status, b.Subject, b.BackendName, b.RequestedScopes, b.GrantedScopes, b.ProtectedTokens,
            b.Version, b.CreatedAt, b.ExpiresAt, b.DecidedAt, b.DecidedBy),
        _ => throw new ArgumentOutOfRangeException(nameof(r), r.Kind, "Unknown kind."),
    };
}
