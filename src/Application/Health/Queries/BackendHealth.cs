namespace OneMcp.Application.Health.Queries;

public sealed record BackendHealth(string Name, string Transport, string Status, string? Error, DateTimeOffset? LastConnectedAt, int Restarts, int Tools, IReadOnlyList<string> Tags)
{
    /// <summary>The MCP revision the gateway speaks with the backend while it is connected; null otherwise.</summary>
    public string? ProtocolVersion { get; init; }
}
