using FluentValidation;
using MediatR;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Stores a named tag-filter expression that clients select with <c>?preset=&lt;name&gt;</c>.</summary>
public sealed record CreatePresetCommand : IRequest<PresetView>
{
    public string? Name { get; init; }
    public string? Expression { get; init; }
    public string? Description { get; init; }
}

public sealed class CreatePresetValidator : AbstractValidator<CreatePresetCommand>
{
    public CreatePresetValidator()
    {
        this.AddPresetNameRule(c => c.Name);
        this.AddExpressionRule(c => c.Expression);
        this.AddDescriptionRule(c => c.Description);
    }
}

public sealed class CreatePresetHandler(IPresetRepository repository, GatewayNotifier notifier, TimeProvider time)
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
        notifier.PresetChanged(preset.Name, TagFilter.Parse(preset.Expression));
        return PresetView.From(preset);
    }
}
