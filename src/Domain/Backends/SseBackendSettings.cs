namespace OneMcp.Domain.Backends;

/// <summary>A backend served over the legacy HTTP+SSE transport (mcp.json type <c>sse</c>).</summary>
public sealed record SseBackendSettings : HttpBackendSettings
{
    public override BackendTransport Transport => BackendTransport.Sse;
}
