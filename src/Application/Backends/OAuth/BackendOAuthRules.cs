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

    /// <summary>
    /// As <see cref="FindOAuthCapableAsync"/>, for the administrator's Authorize and Restart OAuth, which act on the one set
    /// of OAuth credentials the gateway holds for everyone: a per-user backend has none (each user connects their own
    /// account), so neither applies to it.
    /// </summary>
    public static async Task<BackendService> FindSharedOAuthCapableAsync(IBackendServiceRepository backends, string name, CancellationToken cancellationToken)
    {
        var backend = await FindOAuthCapableAsync(backends, name, cancellationToken);
        return backend.Settings.IsPerUser
            ? throw new DomainException(
                "backend.oauth_per_user",
                $"Backend '{name}' has per-user credentials: each user connects their own account under My connections, and an administrator revokes one there.")
            : backend;
    }
}
