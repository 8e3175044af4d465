using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Commands;

public sealed class RemoveBackendHandler(IBackendServiceRepository repository, BackendCatalog catalog)
    : IRequestHandler<RemoveBackendCommand, Unit>
{
    public Task<Unit> Handle(RemoveBackendCommand request, CancellationToken cancellationToken) =>
        catalog.ChangeAsync(
            async () =>
            {
                var backend = await repository.FindByNameAsync(ServerName.From(request.Name), cancellationToken)
                    ?? throw new NotFoundException("backend", request.Name);
                backend.EnsureRemovable();
                if (!await repository.RemoveAsync(backend.Id, cancellationToken))
                {
                    throw new NotFoundException("backend", request.Name);
                }

                return Unit.Value;
            },
            cancellationToken);
}
