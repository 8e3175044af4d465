using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway;

/// <summary>
/// The caching hints (<c>ttlMs</c>, <c>cacheScope</c>) a 2026-07-28 client gets on the gateway's lists and
/// resource reads (ADR 0024). Older clients get none: they learn of changes from <c>list_changed</c>.
/// </summary>
public static class CachePolicy
{
    /// <summary>
    /// How long a list stays fresh. The gateway's lists change when mcp.json or the REST API changes a backend
    /// and when a backend reports list_changed, and a 2026-07-28 client hears of none of that: a few seconds.
    /// </summary>
    public static readonly TimeSpan ListTimeToLive = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the answer depends on who asks: a filter (<c>?tags</c>, <c>?tag-filter</c>, <c>?preset</c>), a
    /// signed-in user or a token's grant. Only an answer that depends on none of them may be shared.
    /// </summary>
    public static CacheScope ScopeFor(GatewaySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var dependsOnCaller = session.Filter.Kind != SessionFilterKind.None
            || session.Grant is not null
            || session.UserHash is not null
            || session.Actor != Audit.AuditActor.Anonymous;
        return dependsOnCaller ? CacheScope.Private : CacheScope.Public;
    }

    /// <summary>Puts the list hints on <paramref name="result"/> when the session is a 2026-07-28 request.</summary>
    public static T ForList<T>(GatewaySession session, T result) where T : ICacheableResult
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.PerRequest)
        {
            result.TimeToLive = ListTimeToLive;
            result.CacheScope = ScopeFor(session);
        }

        return result;
    }

    /// <summary>
    /// Puts the hints on a resource read for a 2026-07-28 request. The backend's contents may change at any
    /// time, so the gateway keeps the backend's own TTL and otherwise says "immediately stale"; the scope is
    /// private when the backend or the caller makes it so.
    /// </summary>
    public static ReadResourceResult ForRead(GatewaySession session, ReadResourceResult result)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(result);
        if (session.PerRequest)
        {
            result.TimeToLive ??= TimeSpan.Zero;
            result.CacheScope = result.CacheScope == CacheScope.Private ? CacheScope.Private : ScopeFor(session);
        }
        else
        {
            result.TimeToLive = null;
            result.CacheScope = null;
        }

        return result;
    }
}
