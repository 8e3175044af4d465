using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace OneMcp.Api.Http;

/// <summary>Errors the gateway answers itself on the MCP endpoints, in the JSON-RPC envelope clients parse.</summary>
public static class JsonRpcErrors
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int InvalidParams = -32602;

    /// <summary>Implementation-defined server errors (JSON-RPC reserves -32000 to -32099 for them).</summary>
    public const int Unauthorized = -32001;
    public const int Forbidden = -32003;
    /// <summary>The code the SDK (and the TypeScript SDK) answers an unknown session with on streamable HTTP.</summary>
    public const int SessionNotFound = -32001;
    public const int ServerNotFound = -32005;

    /// <summary>Writes the error; <paramref name="id"/> is the request's, when the body was read as one (else null).</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, int code, string message, RequestId id = default)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
            ["id"] = id.Id switch
            {
                string text => text,
                long number => number,
                _ => null,
            },
        };
        return context.Response.WriteAsync(body.ToJsonString(JsonSerializerOptions.Web), context.RequestAborted);
    }

    /// <summary>
    /// The answer to a session id this gateway does not serve (never opened, ended, or another user's, alike: nothing
    /// about a session is disclosed): what the SDK answers an unknown <c>Mcp-Session-Id</c> on <c>/mcp</c>, 404 with
    /// -32001, which tells a client to open a new session; on the legacy <c>/messages</c> saying how.
    /// </summary>
    public static Task WriteSessionNotFoundAsync(HttpContext context) =>
        WriteAsync(
            context,
            StatusCodes.Status404NotFound,
            SessionNotFound,
            context.Request.Path.StartsWithSegments(GatewayRoutes.SdkMessage) || context.Request.Path.StartsWithSegments(GatewayRoutes.Messages)
                ? "Session not found: it has ended or never existed. Open a new one with GET /sse."
                : "Session not found");

    public static bool IsMcpPath(PathString path) =>
        path.StartsWithSegments(GatewayRoutes.Mcp) || path.StartsWithSegments(GatewayRoutes.Sse) || path.StartsWithSegments(GatewayRoutes.Messages);
}
