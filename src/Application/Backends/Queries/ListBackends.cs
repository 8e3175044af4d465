using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Queries;

/// <summary>Every stored backend (mcp.json and API), ordered by name, with its live state.</summary>
/// <param name="FlagUntagged">Under scope validation: mark backends without a tag, which no token can reach.</param>
public sealed record ListBackendsQuery(bool FlagUntagged = false) : IRequest<IReadOnlyList<BackendView>>;

public sealed class ListBackendsHandler(IBackendServiceRepository repository, IBackendPool pool, IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<ListBackendsQuery, IReadOnlyList<BackendView>>
{
    public async Task<IReadOnlyList<BackendView>> Handle(ListBackendsQuery request, CancellationToken cancellationToken)
    {
        var backends = await repository.ListAsync(cancellationToken);
        var pending = await PendingBackendAuthorizations.ByBackendAsync(requests, time, cancellationToken);
        return [.. backends
            .OrderBy(b => b.Name.Value, StringComparer.Ordinal)
            .Select(b => BackendView.From(b, pool, pending.GetValueOrDefault(b.Name.Value)))
            .Select(v => request.FlagUntagged && v.Tags.Count == 0 ? v with { ScopeWarning = BackendView.UntaggedUnderScopeValidation } : v)];
    }
}

internal static class PendingBackendAuthorizations
{
    /// <summary>The newest pending backend connection of each backend (its tokens wait for Approve or Deny).</summary>
    public static async Task<Dictionary<string, Guid?>> ByBackendAsync(IAuthorizationRequestRepository requests, TimeProvider time, CancellationToken cancellationToken) =>
        (await requests.ListPendingAsync(time.GetUtcNow(), cancellationToken))
            .OfType<BackendConnectionRequest>()
            .GroupBy(r => r.BackendName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Guid?)g.MaxBy(r => r.CreatedAt)!.Id, StringComparer.Ordinal);
}
