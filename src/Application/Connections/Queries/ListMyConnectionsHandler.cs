using MediatR;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Connections.Queries;

public sealed class ListMyConnectionsHandler(IBackendPool pool, IUserConnectionStore store)
    : IRequestHandler<ListMyConnectionsQuery, IReadOnlyList<MyConnectionView>>
{
    public async Task<IReadOnlyList<MyConnectionView>> Handle(ListMyConnectionsQuery request, CancellationToken cancellationToken)
    {
        var stored = (await store.ListAsync(null, request.Owner, cancellationToken)).ToDictionary(c => c.Backend);

        // The pool, not the stored rows: a backend the user has not connected yet is listed too (that is what they came for).
        return [.. pool.Backends
            .Where(b => b.Settings.IsPerUser && (request.Grant is null || request.Grant.Reaches(b.Settings.Tags)))
            .Select(b => MyConnectionView.From(b.Settings, stored.GetValueOrDefault(b.Name)))];
    }
}
