namespace OneMcp.Domain.Backends;

/// <summary>A backend served over MCP streamable HTTP (mcp.json type <c>http</c> or <c>streamableHttp</c>).</summary>
public sealed record StreamableHttpBackendSettings : HttpBackendSettings
{
    public override BackendTransport Transport => BackendTransport.StreamableHttp;
}
