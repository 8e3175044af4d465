namespace OneMcp.Domain.Users;

/// <summary>Stored users; user names are unique (case-insensitively), saved with optimistic concurrency.</summary>
public interface IUserRepository
{
    Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken);

    Task<User?> FindByNameAsync(string userName, CancellationToken cancellationToken);

    Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The user of the identity provider with this <see cref="User.ExternalSubject"/>, or null.</summary>
    Task<User?> FindByExternalSubjectAsync(string externalSubject, CancellationToken cancellationToken);

    Task<int> CountAsync(CancellationToken cancellationToken);

    Task AddAsync(User user, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a changed user if the stored version is still its <see cref="Common.Aggregate.LoadedVersion"/>
    /// (else <see cref="Common.ConcurrencyConflictException"/>), then marks the copy saved.
    /// </summary>
    Task UpdateAsync(User user, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);
}
