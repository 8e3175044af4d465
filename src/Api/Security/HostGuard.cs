using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using OneMcp.Api.Http;
using OneMcp.Application.Security;

namespace OneMcp.Api.Security;

/// <summary>
/// The DNS-rebinding guard in front of every endpoint: a request that <see cref="HostPolicy"/> refuses gets 403, as
/// a JSON-RPC error on the MCP endpoints and as ProblemDetails elsewhere. With <c>openOAuthEndpoints</c> (the gateway
/// is an authorization server) the Origin rule is not applied on the paths <see cref="OAuthCrossOrigin"/> opens to
/// every web origin; the Host rule is applied on every path.
/// </summary>
public sealed class HostGuard(HostPolicy policy, bool openOAuthEndpoints = false)
{
    public HostGuard(string bindHost, Uri? externalUrl, bool openOAuthEndpoints = false)
        : this(new HostPolicy(bindHost, externalUrl), openOAuthEndpoints)
    {
    }

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return Refusal(context) is { } message ? RejectAsync(context, message) : next(context);
    }

    /// <summary>Why the request is refused, or null when it may be served.</summary>
    public string? Refusal(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The server's connection feature itself: HttpContext.Connection would wrap it in an object of its own per request.
        var connection = context.Features.Get<IHttpConnectionFeature>();
        var host = context.Request.Headers.Host.Count == 1 ? context.Request.Headers.Host[0] : null;
        var origin = context.Request.Headers.Origin;
        if (origin.Count > 0 && openOAuthEndpoints && OAuthCrossOrigin.AcceptsAnyOrigin(context.Request.Path))
        {
            origin = StringValues.Empty;
        }

        return policy.Refusal(host, connection?.RemoteIpAddress, origin, connection is null || connection.LocalPort == 0 ? null : connection.LocalPort);
    }

    private static Task RejectAsync(HttpContext context, string message) =>
        JsonRpcErrors.IsMcpPath(context.Request.Path)
            ? JsonRpcErrors.WriteAsync(context, StatusCodes.Status403Forbidden, JsonRpcErrors.InvalidRequest, message)
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: message).ExecuteAsync(context);
}
