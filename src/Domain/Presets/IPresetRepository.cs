namespace OneMcp.Domain.Presets;

/// <summary>Stored presets; names are unique, saved with optimistic concurrency.</summary>
public interface IPresetRepository
{
    Task<IReadOnlyList<Preset>> ListAsync(CancellationToken cancellationToken);

    Task<Preset?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task AddAsync(Preset preset, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a changed preset if the stored version is still its <see cref="Common.Aggregate.LoadedVersion"/>
    /// (else <see cref="Common.ConcurrencyConflictException"/>), then marks the copy saved.
    /// </summary>
    Task UpdateAsync(Preset preset, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);
}
