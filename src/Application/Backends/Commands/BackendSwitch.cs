using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Commands;

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
