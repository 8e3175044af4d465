namespace OneMcp.Application.Authorization;

/// <summary>Who administers the gateway through the REST API, and which requests need that.</summary>
public static class AdminRights
{
    /// <summary>
    /// Everyone when auth is off (a single-user tool); with auth, a user whose role is admin, signed in to the
    /// dashboard or calling with a token that holds <see cref="OAuthScopes.Admin"/>. A token's user role alone is not
    /// enough: an administrator who approves an MCP client for tools gives it no admin rights.
    /// </summary>
    public static bool IsAdmin(bool authEnabled, bool adminRole, bool viaCookie, bool adminScope) =>
        !authEnabled || (adminRole && (viaCookie || adminScope));

    /// <summary>
    /// An endpoint for administrators only, and any change made with a bearer token: a token changes nothing through
    /// the REST API without <see cref="OAuthScopes.Admin"/>, whatever the endpoint.
    /// </summary>
    public static bool Required(bool adminOnlyEndpoint, bool bearerToken, bool changes) => adminOnlyEndpoint || (bearerToken && changes);
}
