using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Queries;

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
