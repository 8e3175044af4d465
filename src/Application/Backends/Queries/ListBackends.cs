using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Queries;

/// <summary>Every stored backend (mcp.json and API), ordered by name, with its live state.</summary>
/// <param name="FlagUntagged">Under scope validation: mark backends without a tag, which no token can reach.</param>
public sealed record ListBackendsQuery(bool FlagUntagged = false) : IRequest<IReadOnlyList<BackendView>>;

public sealed class ListBackendsHandler(IBackendServiceRepository repository, IBackendPool pool)
    : IRequestHandler<ListBackendsQuery, IReadOnlyList<BackendView>>
{
    public async Task<IReadOnlyList<BackendView>> Handle(ListBackendsQuery request, CancellationToken cancellationToken)
    {
        var backends = await repository.ListAsync(cancellationToken);
        return [.. backends
            .OrderBy(b => b.Name.Value, StringComparer.Ordinal)
            .Select(b => BackendView.From(b, pool))
            .Select(v => request.FlagUntagged && v.Tags.Count == 0 ? v with { ScopeWarning = BackendView.UntaggedUnderScopeValidation } : v)];
    }
}
