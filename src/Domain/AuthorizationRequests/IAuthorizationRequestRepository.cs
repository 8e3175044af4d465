namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>Stored authorization requests, saved with optimistic concurrency so a request is decided once.</summary>
public interface IAuthorizationRequestRepository
{
    Task<AuthorizationRequest?> FindAsync(Guid id, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuthorizationRequest>> ListPendingAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task AddAsync(AuthorizationRequest request, CancellationToken cancellationToken);

    Task UpdateAsync(AuthorizationRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes requests decided or expired before <paramref name="threshold"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken);
}
