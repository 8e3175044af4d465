using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.TagScopes.Queries;

/// <summary>
/// Every tag a running backend carries (as <c>scopes_supported</c> lists them) and every tag with a stored policy, sorted.
/// Every tag is listed (they are public); with a <paramref name="Grant"/> (a token under scope validation) each names
/// only the backends the grant reaches, as the list of backends does.
/// </summary>
public sealed record ListTagScopesQuery(TagGrant? Grant = null) : IRequest<IReadOnlyList<TagScopeView>>;
