using MediatR;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

public sealed class ListClientsHandler(IOAuthGrantDirectory directory, IUserRepository users)
    : IRequestHandler<ListClientsQuery, IReadOnlyList<OAuthClientView>>
{
    public async Task<IReadOnlyList<OAuthClientView>> Handle(ListClientsQuery request, CancellationToken cancellationToken)
    {
        var clients = await directory.ListClientsAsync(cancellationToken);
        var names = (await users.ListAsync(cancellationToken)).ToDictionary(u => u.Id.ToString(), u => u.UserName, StringComparer.OrdinalIgnoreCase);
        var views = new List<OAuthClientView>();
        foreach (var client in clients)
        {
            var grants = client.Grants
                .Where(g => request.Subject is null || string.Equals(g.Subject, request.Subject, StringComparison.OrdinalIgnoreCase))
                .OrderBy(g => g.CreatedAt)
                .Select(g => new OAuthGrantView(g.Id, g.Subject is not null && names.TryGetValue(g.Subject, out var name) ? name : null, [.. g.Scopes.Order(StringComparer.Ordinal)], g.CreatedAt))
                .ToList();
            if (request.Subject is not null && grants.Count == 0)
            {
                continue;
            }

            views.Add(new OAuthClientView(client.ClientId, client.DisplayName ?? client.ClientId, client.ClientType ?? "public", client.RedirectUris, grants));
        }

        return views;
    }
}
