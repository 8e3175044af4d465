using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends.Commands;

/// <summary>
/// Replaces the definition of an API backend (config backends are edited in mcp.json). The caller says which
/// version it edited; a stale edit is refused with <see cref="ConcurrencyConflictException"/>.
/// </summary>
public sealed record UpdateBackendCommand(string Name, BackendEdit Edit) : IRequest<BackendView>;

/// <summary>The body of an edit: the whole new definition and the version it is based on (the name is in the URL).</summary>
public sealed record BackendEdit : BackendDefinition
{
    public int? ExpectedVersion { get; init; }
}

public sealed class UpdateBackendValidator : AbstractValidator<UpdateBackendCommand>
{
    public UpdateBackendValidator(IBackendDefinitionAssembler assembler)
    {
        this.AddServerNameRule(c => c.Name);
        RuleFor(c => c.Edit!.ExpectedVersion)
            .NotNull().WithMessage("'expectedVersion' is required: the version of the backend this edit is based on.")
            .GreaterThan(0).WithMessage("'expectedVersion' must be a positive version number.")
            .OverridePropertyName("expectedVersion")
            .When(c => c.Edit is not null);
        this.AddDefinitionRule(c => c.Name, c => c.Edit, assembler);
    }
}

public sealed class UpdateBackendHandler(
    IBackendServiceRepository repository,
    BackendCatalog catalog,
    IBackendDefinitionAssembler assembler,
    IBackendPool pool,
    TimeProvider time) : IRequestHandler<UpdateBackendCommand, BackendView>
{
    public async Task<BackendView> Handle(UpdateBackendCommand request, CancellationToken cancellationToken)
    {
        var settings = assembler.ToSettings(request.Name, request.Edit);
        var backend = await catalog.ChangeAsync(
            async () =>
            {
                var backend = await repository.FindByNameAsync(settings.Name, cancellationToken)
                    ?? throw new NotFoundException("backend", settings.Name.Value);
                backend.Update(settings, time.GetUtcNow());
                if (request.Edit.ExpectedVersion != backend.LoadedVersion)
                {
                    throw new ConcurrencyConflictException("backend", backend.Id);
                }

                await repository.UpdateAsync(backend, cancellationToken);
                return backend;
            },
            cancellationToken);
        return BackendView.From(backend, pool);
    }
}
