using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Commands;

public sealed class DisableBackendHandler(IBackendServiceRepository repository, BackendCatalog catalog, IBackendPool pool, TimeProvider time)
    : IRequestHandler<DisableBackendCommand, BackendView>
{
    public Task<BackendView> Handle(DisableBackendCommand request, CancellationToken cancellationToken) =>
        BackendSwitch.SetAsync(repository, catalog, pool, request.Name, b => b.Disable(time.GetUtcNow()), cancellationToken);
}
