using MediatR;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// The tags the stored tag-scope policies keep from this user now (<see cref="GrantorRights.Withheld"/>): read again at
/// every token exchange, so a policy tightened after a grant bounds its family from the next refresh on.
/// </summary>
public sealed record GetWithheldTagsQuery(string UserName, bool IsAdmin) : IRequest<IReadOnlySet<Tag>>;

public sealed class GetWithheldTagsHandler(IUserRepository users, ITagScopeRepository tagScopes) : IRequestHandler<GetWithheldTagsQuery, IReadOnlySet<Tag>>
{
    public async Task<IReadOnlySet<Tag>> Handle(GetWithheldTagsQuery request, CancellationToken cancellationToken) =>
        (await GrantorRights.LoadAsync(users, tagScopes, request.UserName, request.IsAdmin, cancellationToken)).Withheld;
}
