using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Gateway;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Commands;

public sealed class DeletePresetHandler(IPresetRepository repository, SessionRouter router)
    : IRequestHandler<DeletePresetCommand, Unit>
{
    public async Task<Unit> Handle(DeletePresetCommand request, CancellationToken cancellationToken)
    {
        var preset = await repository.FindByNameAsync(request.Name, cancellationToken)
            ?? throw new NotFoundException("preset", request.Name);
        if (!await repository.RemoveAsync(preset.Id, cancellationToken))
        {
            throw new NotFoundException("preset", request.Name);
        }

        router.PresetChanged(preset.Name, null);
        return Unit.Value;
    }
}
