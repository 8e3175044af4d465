using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;

namespace OneMcp.Application.TagScopes.Queries;

public sealed class ListTagScopesHandler(ITagScopeRepository repository, IBackendPool pool)
    : IRequestHandler<ListTagScopesQuery, IReadOnlyList<TagScopeView>>
{
    public async Task<IReadOnlyList<TagScopeView>> Handle(ListTagScopesQuery request, CancellationToken cancellationToken)
    {
        var stored = (await repository.ListAsync(cancellationToken)).ToDictionary(s => s.Tag.Value, StringComparer.Ordinal);
        var carriers = BackendsByTag(pool);
        var reached = request.Grant is { } grant
            ? pool.Backends.Where(b => grant.Reaches(b.Settings.Tags)).Select(b => b.Name.Value).ToHashSet(StringComparer.Ordinal)
            : null;
        return [.. carriers.Keys.Union(stored.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(tag =>
            {
                var backends = carriers.TryGetValue(tag, out var names) ? names : [];
                backends = reached is null ? backends : [.. backends.Where(reached.Contains)];
                return stored.TryGetValue(tag, out var scope) ? TagScopeView.From(scope, backends) : TagScopeView.Default(tag, backends);
            })];
    }

    internal static IReadOnlyList<string> BackendsCarrying(IBackendPool pool, Tag tag) =>
        BackendsByTag(pool).TryGetValue(tag.Value, out var names) ? names : [];

    private static Dictionary<string, IReadOnlyList<string>> BackendsByTag(IBackendPool pool) =>
        pool.Backends
            .SelectMany(b => b.Settings.Tags.Select(t => (Tag: t.Value, Backend: b.Name.Value)))
            .GroupBy(p => p.Tag, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(p => p.Backend).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], StringComparer.Ordinal);
}
