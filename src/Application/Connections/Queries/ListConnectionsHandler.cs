using MediatR;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Connections.Queries;

public sealed class ListConnectionsHandler(IUserConnectionStore store, IUserRepository users)
    : IRequestHandler<ListConnectionsQuery, IReadOnlyList<ConnectionView>>
{
    public async Task<IReadOnlyList<ConnectionView>> Handle(ListConnectionsQuery request, CancellationToken cancellationToken)
    {
        var backend = request.Backend is null ? (ServerName?)null : ServerName.From(request.Backend);
        var connections = await store.ListAsync(backend, null, cancellationToken);
        if (connections.Count == 0)
        {
            return [];
        }

        // Owner keys are user ids: administrators read names. A row whose user is gone (removed meanwhile) keeps its key.
        var names = (await users.ListAsync(cancellationToken)).ToDictionary(u => u.Id.ToString("D"), u => u.UserName, StringComparer.OrdinalIgnoreCase);
        return [.. connections.Select(c => ConnectionView.From(c, names.GetValueOrDefault(c.Owner.Key) ?? c.Owner.Key))];
    }
}
