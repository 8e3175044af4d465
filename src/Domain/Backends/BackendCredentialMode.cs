namespace OneMcp.Domain.Backends;

/// <summary>Whose credentials a backend is called with (the backend field <c>"credentials"</c>).</summary>
public enum BackendCredentialMode
{
    /// <summary>One credential set for everyone: the env/header values of its definition and the admin-approved OAuth tokens.</summary>
    Shared,

    /// <summary>
    /// Each user's own: their OAuth tokens at the backend and their values for the <c>${user:NAME}</c> references
    /// (<see cref="UserSecretReferences"/>); a stdio backend runs one process per user.
    /// </summary>
    PerUser,
}
