using OneMcp.Application.Backends;
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
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(BackendService backend, int loadedVersion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(backend.Id, out var stored) || stored.Version != loadedVersion)
            {
                throw new ConcurrencyConflictException("backend", backend.Id);
            }

            _rows[backend.Id] = Copy(backend);
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
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(Preset preset, int loadedVersion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(preset.Id, out var stored) || stored.Version != loadedVersion)
            {
                throw new ConcurrencyConflictException("preset", preset.Id);
            }

            _rows[preset.Id] = Copy(preset);
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
}
