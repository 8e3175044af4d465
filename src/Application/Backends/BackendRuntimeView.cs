using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>The live state of a backend in this gateway process.</summary>
public sealed record BackendRuntimeView(BackendStatus Status, string? LastError, DateTimeOffset? LastConnectedAt, int Restarts, int Tools)
{
    /// <summary>Where the backend stands with OAuth (JSON <c>oauth</c>, as docs/dashboard-api.md and the dashboard name it; the
    /// camel-case policy alone would write <c>oAuth</c>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("oauth")]
    public BackendOAuthView OAuth { get; init; } = BackendOAuthView.None;

    /// <summary>The MCP revision the gateway speaks with the backend while it is connected; null otherwise.</summary>
    public string? ProtocolVersion { get; init; }

    public static BackendRuntimeView From(BackendService backend, IBackendPool pool, Guid? pendingAuthorization = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.TryGet(backend.Name, out var running))
        {
            var state = running.State;
            var authorized = state.Status == BackendStatus.Connected && state.Authorized;
            return new BackendRuntimeView(state.Status, state.LastError, state.LastConnectedAt, state.Restarts, running.Capabilities.Tools.Count)
            {
                ProtocolVersion = state.ProtocolVersion,
                OAuth = new BackendOAuthView(
                    Required: authorized || state.Status == BackendStatus.AwaitingOAuth || backend.Settings is HttpBackendSettings { OAuth: not null } || pendingAuthorization is not null,
                    Authorized: authorized,
                    PendingRequestId: pendingAuthorization),
            };
        }

        // Stored but not (yet) picked up by the pool: about to start, or off.
        return new BackendRuntimeView(backend.EffectiveSettings.Disabled ? BackendStatus.Disabled : BackendStatus.Connecting, null, null, 0, 0)
        {
            OAuth = new BackendOAuthView(backend.Settings is HttpBackendSettings { OAuth: not null } || pendingAuthorization is not null, false, pendingAuthorization),
        };
    }
}
