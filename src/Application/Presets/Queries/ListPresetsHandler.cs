using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Queries;

public sealed class ListPresetsHandler(IPresetRepository repository, IBackendPool pool) : IRequestHandler<ListPresetsQuery, IReadOnlyList<PresetView>>
{
    public async Task<IReadOnlyList<PresetView>> Handle(ListPresetsQuery request, CancellationToken cancellationToken)
    {
        var presets = await repository.ListAsync(cancellationToken);
        return [.. presets.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => PresetView.From(p, pool, request.Grant))];
    }
}
