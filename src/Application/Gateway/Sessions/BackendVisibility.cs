using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Sessions;

/// <summary>
/// Whether a caller's filter and token grant admit a backend, whatever its connection state: what a session's
/// visibility is built on, and what <c>/mcp/&lt;server&gt;</c> asks before it opens a session for one backend.
/// </summary>
public static class BackendVisibility
{
    public static bool Admits(SessionFilter filter, TagGrant? grant, BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(settings);
        return !settings.Disabled && filter.Allows(settings.Tags) && (grant?.Reaches(settings.Tags) ?? true);
    }

    /// <summary>
    /// The backend <c>/mcp/&lt;server&gt;</c> names, when it exists and the caller's filter and grant admit it (whatever
    /// its connection state: one still connecting is served). Otherwise the caller is told it does not exist.
    /// </summary>
    public static bool TryReach(IBackendPool pool, string server, SessionFilter filter, TagGrant? grant, out ServerName name)
    {
        ArgumentNullException.ThrowIfNull(pool);
        name = default;
        if (!ServerName.TryValidate(server, out _) || !pool.TryGet(ServerName.From(server), out var backend) || !Admits(filter, grant, backend.Settings))
        {
            return false;
        }

        name = backend.Name;
        return true;
    }
}
