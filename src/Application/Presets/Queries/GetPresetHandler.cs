using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Queries;

public sealed class GetPresetHandler(IPresetRepository repository, IBackendPool pool) : IRequestHandler<GetPresetQuery, PresetView>
{
    public async Task<PresetView> Handle(GetPresetQuery request, CancellationToken cancellationToken)
    {
        var preset = await repository.FindByNameAsync(request.Name, cancellationToken)
            ?? throw new NotFoundException("preset", request.Name);
        return PresetView.From(preset, pool, request.Grant);
    }
}
