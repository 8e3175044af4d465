using OneMcp.Domain.Backends;

namespace OneMcp.Domain.TagScopes;

/// <summary>Stored tag scopes; one per tag (unique), saved with optimistic concurrency.</summary>
public interface ITagScopeRepository
{
    Task<IReadOnlyList<TagScope>> ListAsync(CancellationToken cancellationToken);

    Task<TagScope?> FindAsync(Tag tag, CancellationToken cancellationToken);

    Task AddAsync(TagScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a changed tag scope if the stored version is still its <see cref="Common.Aggregate.LoadedVersion"/>
    /// (else <see cref="Common.ConcurrencyConflictException"/>), then marks the copy saved.
    /// </summary>
    Task UpdateAsync(TagScope scope, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);
}
