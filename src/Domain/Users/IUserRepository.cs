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

    /// <summary>
    /// <see cref="UpdateAsync"/>, refusing with <see cref="LastAdminException"/> (and changing nothing) a save that
    /// makes the stored enabled administrator <paramref name="user"/> something else while no other enabled
    /// administrator remains. The check and the write are one step: two such saves at once (two admins demoting each
    /// other, on one replica or two) never both pass it.
    /// </summary>
    Task UpdateKeepingAnAdminAsync(User user, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="RemoveAsync"/>, refusing with <see cref="LastAdminException"/> (and removing nothing) the removal of
    /// the last enabled administrator, in one step with the check as <see cref="UpdateKeepingAnAdminAsync"/>.
    /// </summary>
    Task<bool> RemoveKeepingAnAdminAsync(User user, CancellationToken cancellationToken);
}
