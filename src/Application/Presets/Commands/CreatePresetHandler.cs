using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Commands;

public sealed class CreatePresetHandler(IPresetRepository repository, SessionRouter router, IBackendPool pool, TimeProvider time)
    : IRequestHandler<CreatePresetCommand, PresetView>
{
    public async Task<PresetView> Handle(CreatePresetCommand request, CancellationToken cancellationToken)
    {
        var name = request.Name!;
        if (await repository.FindByNameAsync(name, cancellationToken) is not null)
        {
            throw new DuplicateNameException("preset", name);
        }

        var preset = Preset.Create(name, request.Expression!, request.Description ?? string.Empty, TagFilterGrammar.Instance, time.GetUtcNow());
        await repository.AddAsync(preset, cancellationToken);

        // Sessions still bound to a deleted preset of this name see again.
        router.PresetChanged(preset.Name, TagFilter.Parse(preset.Expression));
        return PresetView.From(preset, pool, request.Grant);
    }
}
