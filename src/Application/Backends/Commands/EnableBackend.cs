using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Commands;

/// <summary>Switches a backend (of either origin) on; the switch survives restarts and config reloads.</summary>
public sealed record EnableBackendCommand(string Name) : IRequest<BackendView>;

/// <summary>Switches a backend (of either origin) off; its connection stops.</summary>
public sealed record DisableBackendCommand(string Name) : IRequest<BackendView>;

public sealed class EnableBackendValidator : AbstractValidator<EnableBackendCommand>
{
    public EnableBackendValidator() => this.AddServerNameRule(c => c.Name);
}

public sealed class DisableBackendValidator : AbstractValidator<DisableBackendCommand>
{
    public DisableBackendValidator() => this.AddServerNameRule(c => c.Name);
}

public sealed class EnableBackendHandler(IBackendServiceRepository repository, BackendCatalog catalog, IBackendPool pool, TimeProvider time)
    : IRequestHandler<EnableBackendCommand, BackendView>
{
    public Task<BackendView> Handle(EnableBackendCommand request, CancellationToken cancellationToken) =>
        BackendSwitch.SetAsync(repository, catalog, pool, request.Name, b => b.Enable(time.GetUtcNow()), cancellationToken);
}

public sealed class DisableBackendHandler(IBackendServiceRepository repository, BackendCatalog catalog, IBackendPool pool, TimeProvider time)
    : IRequestHandler<DisableBackendCommand, BackendView>
{
    public Task<BackendView> Handle(DisableBackendCommand request, CancellationToken cancellationToken) =>
        BackendSwitch.SetAsync(repository, catalog, pool, request.Name, b => b.Disable(time.GetUtcNow()), cancellationToken);
}

internal static class BackendSwitch
{
    public static async Task<BackendView> SetAsync(
        IBackendServiceRepository repository,
        BackendCatalog catalog,
        IBackendPool pool,
        string name,
        Action<BackendService> flip,
        CancellationToken cancellationToken)
    {
        var backend = await catalog.ChangeAsync(
            async () =>
            {
                var backend = await repository.FindByNameAsync(ServerName.From(name), cancellationToken)
                    ?? throw new NotFoundException("backend", name);
                flip(backend);
                if (backend.HasUnsavedChanges)
                {
                    await repository.UpdateAsync(backend, cancellationToken);
                }

                return backend;
            },
            cancellationToken);
        return BackendView.From(backend, pool);
    }
}
