namespace OneMcp.Application.Users.Commands;

public enum EnsureAdminOutcome
{
    /// <summary>Neither variable is set: nothing to do.</summary>
    NotConfigured,

    /// <summary>The user did not exist and was created as an admin.</summary>
    Created,

    /// <summary>The user exists; it was left exactly as it was (its password may have been changed since).</summary>
    AlreadyExists,
}
