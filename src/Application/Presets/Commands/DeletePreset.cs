using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Gateway;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Deletes a preset; sessions opened with it see nothing from then on (and are told so).</summary>
public sealed record DeletePresetCommand(string Name) : IRequest<Unit>;

public sealed class DeletePresetValidator : AbstractValidator<DeletePresetCommand>
{
    public DeletePresetValidator() => this.AddPresetNameRule(c => c.Name);
}

public sealed class DeletePresetHandler(IPresetRepository repository, GatewayNotifier notifier)
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

        notifier.PresetChanged(preset.Name, null);
        return Unit.Value;
    }
}
