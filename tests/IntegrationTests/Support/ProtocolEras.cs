namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// The two MCP protocol eras <c>/mcp</c> serves. The SDK client prefers 2026-07-28 unless told otherwise, so a
/// test about sessions (list_changed, backend-to-client requests, session ownership) pins the legacy era.
/// </summary>
internal static class ProtocolEras
{
    /// <summary>The newest revision with <c>initialize</c> and sessions.</summary>
    public const string Legacy = "2025-11-25";

    /// <summary>The revision without <c>initialize</c> or sessions: every request is served alone.</summary>
    public const string Stateless = "2026-07-28";
}
