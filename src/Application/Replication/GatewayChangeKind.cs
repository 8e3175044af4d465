namespace OneMcp.Application.Replication;

/// <summary>What kind of stored state another replica changed (what a replica must reload or forget).</summary>
public enum GatewayChangeKind
{
    /// <summary>A backend was added, edited, enabled, disabled or removed (REST or an mcp.json sync).</summary>
    Backends,

    /// <summary>A backend's OAuth tokens were accepted (an approval) or discarded (Restart OAuth).</summary>
    BackendCredentials,

    /// <summary>A preset was created, changed or deleted.</summary>
    Presets,

    /// <summary>A tag scope's policy was set.</summary>
    TagScopes,

    /// <summary>A user was added, changed (role, disabled), removed or given a new password.</summary>
    Users,

    /// <summary>OAuth tokens or authorizations changed status or disappeared (revocation, redemption, pruning).</summary>
    OAuthTokens,

    /// <summary>
    /// A user's connection to a per-user backend was made, changed or removed; the name is
    /// <c>&lt;backend&gt;/&lt;owner key&gt;</c> (<c>*</c> as the backend: all of that owner's).
    /// </summary>
    UserConnections,
}
