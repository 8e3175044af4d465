namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>Stored authorization requests, saved with optimistic concurrency so a request is decided once.</summary>
public interface IAuthorizationRequestRepository
{
    Task<AuthorizationRequest?> FindAsync(Guid id, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuthorizationRequest>> ListPendingAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task AddAsync(AuthorizationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a decided, expired or redeemed request if the stored version is still its <see cref="Common.Aggregate.LoadedVersion"/>
    /// (else <see cref="Common.ConcurrencyConflictException"/>), then marks the copy saved.
    /// </summary>
    Task UpdateAsync(AuthorizationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes requests decided or expired before <paramref name="threshold"/>, and a client's request that nobody
    /// decided or asked an administrator about once it expired (by <paramref name="now"/>): opening a consent or
    /// "Ask an administrator" page stores one, and a link opens that page for anyone signed in; returns how many.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset threshold, DateTimeOffset now, CancellationToken cancellationToken);
}
