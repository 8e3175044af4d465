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

    /// <summary>Deletes requests decided or expired before <paramref name="threshold"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken);
}
