namespace OneMcp.Api.Http;

public static class GatewayRoutes
{
    public const string Mcp = "/mcp";
    public const string Sse = "/sse";
    public const string Messages = "/messages";

    // Where the SDK maps legacy SSE under the /mcp group; /sse and /messages are rewritten to these.
    public const string SdkSse = "/mcp/sse";
    public const string SdkMessage = "/mcp/message";

    /// <summary>One backend under its original names (ADR 0025), mapped by the SDK like <c>/mcp</c>.</summary>
    public const string PerServer = "/mcp/{server}";

    /// <summary>The backend a request to <c>/mcp/&lt;server&gt;</c> names (see <see cref="Application.Gateway.PerServerPath"/>).</summary>
    public static string? ServerOf(HttpRequest request, out bool nested) =>
        Application.Gateway.PerServerPath.ServerOf(request.Method, request.Path.Value, out nested);

    /// <summary>A streamable HTTP POST (<c>/mcp</c> or <c>/mcp/&lt;server&gt;</c>), whose answer travels on its own response.</summary>
    public static bool IsStreamablePost(HttpRequest request) =>
        Application.Gateway.PerServerPath.IsStreamablePost(request.Method, request.Path.Value);
}
