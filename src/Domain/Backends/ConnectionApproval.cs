namespace OneMcp.Domain.Backends;

/// <summary>Who approves the OAuth tokens a user obtains for a per-user backend with their own account.</summary>
public enum ConnectionApproval
{
    /// <summary>The user's own account at the backend: in use as soon as the backend issued them.</summary>
    Self,

    /// <summary>An administrator approves each user's connection first (<c>"approval": "admin"</c>).</summary>
    Admin,
}
