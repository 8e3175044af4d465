using OneMcp.Application.Authorization;
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
}
