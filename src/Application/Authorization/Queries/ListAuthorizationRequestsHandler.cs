using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

public sealed class ListAuthorizationRequestsHandler(IAuthorizationRequestRepository requests, IUserRepository users, TimeProvider time)
    : IRequestHandler<ListAuthorizationRequestsQuery, IReadOnlyList<AuthorizationRequestView>>
{
    public async Task<IReadOnlyList<AuthorizationRequestView>> Handle(ListAuthorizationRequestsQuery request, CancellationToken cancellationToken)
    {
        var pending = await requests.ListPendingAsync(time.GetUtcNow(), cancellationToken);
        var views = new List<AuthorizationRequestView>();
        foreach (var item in pending.Where(r => r.RequiresAdministrator))
        {
            views.Add(await AuthorizationRequestView.FromAsync(item, users, cancellationToken));
        }

        return views;
    }
}
