namespace OneMcp.Api.Http;

/// <summary>The HTTP headers of streamable HTTP that the gateway reads (the SDK's own names are internal to it).</summary>
internal static class McpHeaders
{
    public const string SessionId = "Mcp-Session-Id";
    public const string ProtocolVersion = "MCP-Protocol-Version";

    /// <summary>2026-07-28: the request's method, and the tool, prompt or resource it names.</summary>
    public const string Method = "Mcp-Method";
    public const string Name = "Mcp-Name";

    /// <summary>2026-07-28: tool arguments a tool asks to see as headers (<c>Mcp-Param-&lt;name&gt;</c>).</summary>
    public const string ParamPrefix = "Mcp-Param-";

    /// <summary>
    /// Whether the request names a session, as the SDK reads it: an empty <c>Mcp-Session-Id</c> names none, so the SDK
    /// opens a session for an initialize that carries one, and that session's URL filter and server must be applied.
    /// </summary>
    public static bool NamesSession(IHeaderDictionary headers) => headers[SessionId].ToString().Length > 0;
}
