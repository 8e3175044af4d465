namespace OneMcp.Application.Authorization;

/// <summary>The private claims the gateway puts into its tokens to keep a grant's reach from growing.</summary>
public static class GrantClaims
{
    /// <summary>The scopes the user first granted (space-separated); refreshes of the family stay within them.</summary>
    public const string GrantedScopes = "onemcp_granted";

    /// <summary>The tags the granting user could not grant (space-separated): backends carrying one are never reached.</summary>
    public const string WithheldTags = "onemcp_withheld";

    /// <summary>
    /// The tags an administrator's approval cleared for the user (space-separated): those withheld from the user when an
    /// administrator approved on their behalf. A refresh withholds every other tag the user may no longer grant.
    /// </summary>
    public const string ClearedTags = "onemcp_cleared";
}
