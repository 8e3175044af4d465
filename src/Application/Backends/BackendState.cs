namespace OneMcp.Application.Backends;

/// <summary>A point-in-time view of a backend's connection state, for health and the dashboard.</summary>
public sealed record BackendState(
    BackendStatus Status,
    string? LastError,
    DateTimeOffset? LastConnectedAt,
    int Restarts)
{
    /// <summary>Connected with an OAuth access token the gateway obtained for it (the dashboard's "Authorized").</summary>
    public bool Authorized { get; init; }

    /// <summary>The MCP revision negotiated with the backend while <see cref="BackendStatus.Connected"/>; null otherwise.</summary>
    public string? ProtocolVersion { get; init; }
}
