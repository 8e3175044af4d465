using OneMcp.Api.Auth;
using OneMcp.Api.Http;
using OneMcp.Api.Security;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.Api.Mcp;

/// <summary>
/// First in the pipeline: relays requests for other replicas' sessions, checks hops from them (ADR 0031). With
/// <c>--enable-auth</c> only a caller with a bearer token the gateway accepts makes it look up a session held elsewhere.
/// </summary>
internal sealed class SessionRelayMiddleware(RequestDelegate next, SessionRelay relay, HostGuard guard, bool enableAuth)
{
    private readonly Func<HttpContext, bool> _mayServe = c => guard.Refusal(c) is null;
    private readonly Func<HttpContext, Task<bool>>? _mayLookUp = enableAuth ? BearerAuthentication.AcceptsTokenAsync : null;

    // Most requests are this replica's own, decided without waiting: they go on without a state machine of their own.
    public Task InvokeAsync(HttpContext context)
    {
        var handling = relay.HandleAsync(context, _mayServe, _mayLookUp);
        return handling.IsCompletedSuccessfully && handling.Result == SessionRelayResult.Continue
            ? next(context)
            : FinishAsync(context, handling);
    }

    private async Task FinishAsync(HttpContext context, Task<SessionRelayResult> handling)
    {
        var result = await handling;
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
