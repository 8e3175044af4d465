using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Queries;

/// <summary>Every stored backend (mcp.json and API), ordered by name, with its live state.</summary>
public sealed record ListBackendsQuery : IRequest<IReadOnlyList<BackendView>>;

public sealed class ListBackendsHandler(IBackendServiceRepository repository, IBackendPool pool)
    : IRequestHandler<ListBackendsQuery, IReadOnlyList<BackendView>>
{
    public async Task<IReadOnlyList<BackendView>> Handle(ListBackendsQuery request, CancellationToken cancellationToken)
    {
        var backends = await repository.ListAsync(cancellationToken);
        return [.. backends.OrderBy(b => b.Name.Value, StringComparer.Ordinal).Select(b => BackendView.From(b, pool))];
    }
}
