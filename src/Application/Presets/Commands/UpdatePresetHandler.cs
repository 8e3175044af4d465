using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Commands;

public sealed class UpdatePresetHandler(IPresetRepository repository, SessionRouter router, IBackendPool pool, TimeProvider time)
    : IRequestHandler<UpdatePresetCommand, PresetView>
{
    public async Task<PresetView> Handle(UpdatePresetCommand request, CancellationToken cancellationToken)
    {
        var preset = await repository.FindByNameAsync(request.Name, cancellationToken)
            ?? throw new NotFoundException("preset", request.Name);
        if (request.Edit.ExpectedVersion != preset.Version)
        {
            throw new ConcurrencyConflictException("preset", preset.Id, preset.Name);
        }

        preset.Change(request.Edit.Expression!, request.Edit.Description ?? string.Empty, TagFilterGrammar.Instance, time.GetUtcNow());
        await repository.UpdateAsync(preset, cancellationToken);
        router.PresetChanged(preset.Name, TagFilter.Parse(preset.Expression));
        return PresetView.From(preset, pool, request.Grant);
    }
}
