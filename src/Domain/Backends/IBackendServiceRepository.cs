namespace OneMcp.Domain.Backends;

/// <summary>
/// Stored backends. <see cref="UpdateAsync"/> saves only when the stored version is the one the aggregate was
/// loaded with (else <see cref="Common.ConcurrencyConflictException"/>); names are unique
/// (<see cref="Common.DuplicateNameException"/>).
/// </summary>
public interface IBackendServiceRepository
{
    Task<IReadOnlyList<BackendService>> ListAsync(CancellationToken cancellationToken);

    Task<BackendService?> FindByNameAsync(ServerName name, CancellationToken cancellationToken);

    Task AddAsync(BackendService backend, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a changed backend if the stored version is still its <see cref="Common.Aggregate.LoadedVersion"/>
    /// (else <see cref="Common.ConcurrencyConflictException"/>), then marks the copy saved.
    /// </summary>
    Task UpdateAsync(BackendService backend, CancellationToken cancellationToken);

    /// <summary>Removes a backend and everything stored for it (credentials, pending requests).</summary>
    Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a whole change set in one transaction, by the rules of <see cref="RemoveAsync"/>, <see cref="UpdateAsync"/>
    /// and <see cref="AddAsync"/> (in that order, so a name removed can be added again): either every change is stored and
    /// every added or updated copy marked saved, or, on any failure (a conflict, a taken name, the database), nothing is
    /// stored and nothing marked.
    /// </summary>
    Task SaveChangesAsync(BackendChangeSet changes, CancellationToken cancellationToken);
}
