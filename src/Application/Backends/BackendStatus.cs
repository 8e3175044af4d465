namespace OneMcp.Application.Backends;

public enum BackendStatus
{
    /// <summary>Configured but not started yet, or between connect attempts.</summary>
    Connecting,
    /// <summary>Connected; its capabilities are published.</summary>
    Connected,
    /// <summary>The backend answered 401: an operator must run its OAuth flow.</summary>
    AwaitingOAuth,
    /// <summary>Connecting failed or the connection broke; <see cref="BackendState.LastError"/> says why.</summary>
    Error,
    /// <summary>A supervised stdio backend exited and is being restarted.</summary>
    Restarting,
    /// <summary>A supervised stdio backend used up its restart budget.</summary>
    CrashLoop,
    /// <summary>Disabled by configuration or by an operator.</summary>
    Disabled,
    /// <summary>Stopped (removed, or the gateway is shutting down).</summary>
    Disconnected,
}

/// <summary>A point-in-time view of a backend's connection state, for health and the dashboard.</summary>
public sealed record BackendState(
    BackendStatus Status,
    string? LastError,
    DateTimeOffset? LastConnectedAt,
    int Restarts)
{
    /// <summary>Connected with an OAuth access token the gateway obtained for it (the dashboard's "Authorized").</summary>
    public bool Authorized { get; init; }
}
