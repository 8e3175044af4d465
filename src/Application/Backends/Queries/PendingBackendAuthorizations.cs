using OneMcp.Domain.AuthorizationRequests;

namespace OneMcp.Application.Backends.Queries;

internal static class PendingBackendAuthorizations
{
    /// <summary>The newest pending backend connection of each backend (its tokens wait for Approve or Deny).</summary>
    public static async Task<Dictionary<string, Guid?>> ByBackendAsync(IAuthorizationRequestRepository requests, TimeProvider time, CancellationToken cancellationToken) =>
        (await requests.ListPendingAsync(time.GetUtcNow(), cancellationToken))
            .OfType<BackendConnectionRequest>()
            .GroupBy(r => r.BackendName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Guid?)g.MaxBy(r => r.CreatedAt)!.Id, StringComparer.Ordinal);
}
