namespace OneMcp.Application.Backends;

/// <summary>
/// Where a backend's connection stands. Infrastructure moves a running backend between these only along the
/// legal transitions (see <c>BackendStateMachine</c> there).
/// </summary>
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
