using ModelContextProtocol;

namespace OneMcp.Application.Gateway;

/// <summary>
/// The JSON-RPC errors the gateway itself raises. An unknown name, a name of a backend the session cannot
/// see and a disabled tool all produce the very same error, so a client cannot probe for what is hidden.
/// </summary>
public static class GatewayErrors
{
    public static McpProtocolException UnknownTool(string name) =>
        new($"Unknown tool: '{name}'.", McpErrorCode.InvalidParams);

    public static McpProtocolException UnknownPrompt(string name) =>
        new($"Unknown prompt: '{name}'.", McpErrorCode.InvalidParams);

    public static McpProtocolException UnknownResource(string uri) =>
        new($"Unknown resource: '{uri}'.", McpErrorCode.InvalidParams);

    public static McpProtocolException InvalidCursor() =>
        new("Invalid cursor: the gateway returns complete lists and issues no cursors.", McpErrorCode.InvalidParams);

    public static McpProtocolException InvalidReference(string message) =>
        new(message, McpErrorCode.InvalidParams);

    public static McpProtocolException NotSupported(string server, string what) =>
        new($"Server '{server}' does not support {what}.", McpErrorCode.InvalidParams);

    public static McpProtocolException NoRequestInFlight(string server, string what) =>
        new($"Server '{server}' sent {what} outside of any client request, so there is no client to ask.", McpErrorCode.InvalidRequest);

    public static McpProtocolException AmbiguousRequest(string server, string what) =>
        new($"Server '{server}' sent {what} while requests of several client sessions were in flight on it; the gateway cannot tell which client to ask.", McpErrorCode.InvalidRequest);

    public static McpProtocolException TooManySubscriptions(int max) =>
        new($"This session already follows {max} resources, the most one session may; unsubscribe from one before subscribing to another.", McpErrorCode.InvalidRequest);

    public static McpProtocolException ClientLacksCapability(string what) =>
        new($"The client does not support {what}.", McpErrorCode.InvalidRequest);
}
