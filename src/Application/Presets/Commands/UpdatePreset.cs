using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Changes a preset; sessions opened with it follow the new expression and get <c>list_changed</c>.</summary>
public sealed record UpdatePresetCommand(string Name, PresetEdit Edit) : IRequest<PresetView>;

/// <summary>The body of an edit: the new expression and description, and the version it is based on (the name is in the URL).</summary>
public sealed record PresetEdit
{
    public string? Expression { get; init; }
    public string? Description { get; init; }
    public int? ExpectedVersion { get; init; }
}

public sealed class UpdatePresetValidator : AbstractValidator<UpdatePresetCommand>
{
    public UpdatePresetValidator()
    {
        this.AddPresetNameRule(c => c.Name);
        RuleFor(c => c.Edit).NotNull().WithMessage("The request needs a body with the preset's expression.").OverridePropertyName("body");
        this.AddExpressionRule(c => c.Edit?.Expression);
        this.AddDescriptionRule(c => c.Edit?.Description);
        RuleFor(c => c.Edit!.ExpectedVersion)
            .NotNull().WithMessage("'expectedVersion' is required: the version of the preset this edit is based on.")
            .GreaterThan(0).WithMessage("'expectedVersion' must be a positive version number.")
            .OverridePropertyName("expectedVersion")
            .When(c => c.Edit is not null);
    }
}

public sealed class UpdatePresetHandler(IPresetRepository repository, GatewayNotifier notifier, TimeProvider time)
    : IRequestHandler<UpdatePresetCommand, PresetView>
{
    public async Task<PresetView> Handle(UpdatePresetCommand request, CancellationToken cancellationToken)
    {
        var preset = await repository.FindByNameAsync(request.Name, cancellationToken)
            ?? throw new NotFoundException("preset", request.Name);
        if (request.Edit.ExpectedVersion != preset.Version)
        {
            throw new ConcurrencyConflictException("preset", preset.Id);
        }

        preset.Change(request.Edit.Expression!, request.Edit.Description ?? string.Empty, TagFilterGrammar.Instance, time.GetUtcNow());
        await repository.UpdateAsync(preset, cancellationToken);
        notifier.PresetChanged(preset.Name, TagFilter.Parse(preset.Expression));
        return PresetView.From(preset);
    }
}
