using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// The requests an administrator must decide: backend connections and client requests for tags their user may not
/// grant alone. (A user's own consent page is not listed: it is theirs to decide.)
/// </summary>
public sealed record ListAuthorizationRequestsQuery : IRequest<IReadOnlyList<AuthorizationRequestView>>;

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
