using OneMcp.Api.Http;
using OneMcp.Application.Gateway;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.Api.Mcp;

/// <summary>
/// <c>DELETE /mcp</c> (or <c>/mcp/&lt;server&gt;</c>) for a session this replica does not hold is answered as every
/// other request for an unknown session (ADR 0047): 404 with -32001. The SDK answered it 200, having ended nothing,
/// and the MCP transport says a session id the server does not know gets 404. A session held by another replica was
/// relayed to it before this (ADR 0031), another user's was answered the same 404 by the authentication, and the
/// caller's own live session goes on to the SDK, which ends it. A legacy SSE session's id is not a session of /mcp
/// either: the SDK answered 200 and ended nothing (the session lives until its <c>GET /sse</c> stream closes); it is
/// answered the same 404 (ADR 0053). A DELETE without an <c>Mcp-Session-Id</c> names no session: it was answered
/// 400 before this (<see cref="MissingSessionIds"/>), or is of the 2026-07-28 revision and gets the SDK's 405.
/// </summary>
internal sealed class SessionDeletes(RequestDelegate next, SessionDirectory directory, LegacySseSessions legacySessions)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsDelete(request.Method) || !PerServerPath.IsStreamableEndpoint(request.Method, request.Path.Value))
        {
            return next(context);
        }

        // The header as the SDK reads it.
        var sessionId = request.Headers[McpHeaders.SessionId].ToString();
        return sessionId.Length > 0 && (!directory.IsLocal(sessionId) || legacySessions.Contains(sessionId))
            ? JsonRpcErrors.WriteSessionNotFoundAsync(context)
            : next(context);
    }
}
