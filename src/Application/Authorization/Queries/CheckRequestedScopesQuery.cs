using MediatR;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// Why an authorization request's scopes can be granted by nobody (<see cref="OAuthScopes.UnknownTagRefusal"/>);
/// null when they can. Asked before sign-in: such a request goes back to the client at once, instead of after a
/// sign-in whose page may not send the browser on to the client's site.
/// </summary>
public sealed record CheckRequestedScopesQuery(IReadOnlyList<string> Scopes) : IRequest<string?>;

public sealed class CheckRequestedScopesHandler(IBackendPool pool) : IRequestHandler<CheckRequestedScopesQuery, string?>
{
    public Task<string?> Handle(CheckRequestedScopesQuery request, CancellationToken cancellationToken) =>
        Task.FromResult(OAuthScopes.UnknownTagRefusal(request.Scopes, OAuthScopes.Current(pool)));
}
