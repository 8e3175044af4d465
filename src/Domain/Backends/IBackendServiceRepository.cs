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

    /// <summary>Saves a changed backend; <paramref name="loadedVersion"/> is its version when it was read.</summary>
    Task UpdateAsync(BackendService backend, int loadedVersion, CancellationToken cancellationToken);

    /// <summary>Removes a backend and everything stored for it (credentials, pending requests).</summary>
    Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);
}
