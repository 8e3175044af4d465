using OneMcp.Api.Http;
using OneMcp.Api.Security;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.Api.Mcp;

/// <summary>First in the pipeline: relays requests for other replicas' sessions, checks hops from them (ADR 0031).</summary>
internal sealed class SessionRelayMiddleware(RequestDelegate next, SessionRelay relay, HostGuard guard)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var result = await relay.HandleAsync(context, c => guard.Refusal(c) is null);
        if (SessionRelay.Refusal(result) is not { } refusal)
        {
            await (result == SessionRelayResult.Relayed ? Task.CompletedTask : next(context));
            return;
        }

        await (JsonRpcErrors.IsMcpPath(context.Request.Path)
            ? JsonRpcErrors.WriteAsync(context, refusal.Status, refusal.Status == StatusCodes.Status403Forbidden ? JsonRpcErrors.Forbidden : JsonRpcErrors.InvalidRequest, refusal.Message)
            : Results.Problem(statusCode: refusal.Status, detail: refusal.Message).ExecuteAsync(context));
    }
}
