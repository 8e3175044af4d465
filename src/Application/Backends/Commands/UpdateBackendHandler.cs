using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends.Commands;

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
                    throw new ConcurrencyConflictException("backend", backend.Id, backend.Name.Value);
                }

                await repository.UpdateAsync(backend, cancellationToken);
                return backend;
            },
            cancellationToken);
        return BackendView.From(backend, pool);
    }
}
