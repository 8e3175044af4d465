using MediatR;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// The requests an administrator must decide: backend connections and client requests for tags their user may not
/// grant alone. (A user's own consent page is not listed: it is theirs to decide.)
/// </summary>
public sealed record ListAuthorizationRequestsQuery : IRequest<IReadOnlyList<AuthorizationRequestView>>;
