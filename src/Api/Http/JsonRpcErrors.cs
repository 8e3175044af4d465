using System.Text.Json;
using System.Text.Json.Nodes;

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
    public const int SessionNotFound = -32004;
    public const int ServerNotFound = -32005;

    public static Task WriteAsync(HttpContext context, int statusCode, int code, string message)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
            ["id"] = null,
        };
        return context.Response.WriteAsync(body.ToJsonString(JsonSerializerOptions.Web), context.RequestAborted);
    }

    public static bool IsMcpPath(PathString path) =>
        path.StartsWithSegments(GatewayRoutes.Mcp) || path.StartsWithSegments(GatewayRoutes.Sse) || path.StartsWithSegments(GatewayRoutes.Messages);
}
