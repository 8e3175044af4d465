using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends.OAuth;

internal static class BackendOAuthRules
{
    public static async Task<BackendService> FindOAuthCapableAsync(IBackendServiceRepository backends, string name, CancellationToken cancellationToken)
    {
        var backend = await backends.FindByNameAsync(ServerName.From(name), cancellationToken) ?? throw new NotFoundException("backend", name);
        return backend.Settings.Transport == BackendTransport.Stdio
            ? throw new DomainException("backend.oauth_not_http", $"Backend '{name}' runs over stdio: OAuth applies to HTTP and SSE backends.")
            : backend;
    }
}
