namespace OneMcp.Api.Http;

public static class GatewayRoutes
{
    public const string Mcp = "/mcp";
    public const string Sse = "/sse";
    public const string Messages = "/messages";

    // Where the SDK maps legacy SSE under the /mcp group; /sse and /messages are rewritten to these.
    public const string SdkSse = "/mcp/sse";
    public const string SdkMessage = "/mcp/message";
}
