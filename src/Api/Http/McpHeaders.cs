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
}
