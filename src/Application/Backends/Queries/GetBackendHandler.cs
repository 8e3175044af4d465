using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Queries;

public sealed class GetBackendHandler(IBackendServiceRepository repository, IBackendPool pool, IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<GetBackendQuery, BackendView>
{
    public async Task<BackendView> Handle(GetBackendQuery request, CancellationToken cancellationToken)
    {
        var backend = await repository.FindByNameAsync(ServerName.From(request.Name), cancellationToken)
            ?? throw new NotFoundException("backend", request.Name);
        var pending = await PendingBackendAuthorizations.ByBackendAsync(requests, time, cancellationToken);
        return BackendView.From(backend, pool, pending.GetValueOrDefault(backend.Name.Value));
    }
}
