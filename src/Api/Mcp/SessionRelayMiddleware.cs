using OneMcp.Api.Http;
using OneMcp.Api.Security;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.Api.Mcp;

/// <summary>
/// First in the pipeline: a request for a legacy session held by another replica is relayed there, and a hop from
/// another replica is checked (a wrong key gets 403) before the host checks judge its client (ADR 0031).
/// </summary>
internal sealed class SessionRelayMiddleware(RequestDelegate next, SessionRelay relay, HostGuard guard)
{
    public async Task InvokeAsync(HttpContext context)
    {
        switch (await relay.HandleAsync(context, c => guard.Refusal(c) is null))
        {
            case SessionRelayResult.Relayed:
                return;
            case SessionRelayResult.ForbiddenHop:
                await WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "This request claims to come from another replica of this gateway, and its relay key is wrong.");
                return;
            case SessionRelayResult.OwnerFailed:
                await WriteAsync(context, StatusCodes.Status502BadGateway, "Bad Gateway", "The replica holding this session failed to answer; try again.");
                return;
            default:
                await next(context);
                return;
        }
    }

    private static Task WriteAsync(HttpContext context, int status, string title, string message) => JsonRpcErrors.IsMcpPath(context.Request.Path)
        ? JsonRpcErrors.WriteAsync(context, status, status == StatusCodes.Status403Forbidden ? JsonRpcErrors.Forbidden : JsonRpcErrors.InvalidRequest, message)
        : Results.Problem(statusCode: status, title: title, detail: message).ExecuteAsync(context);
}
