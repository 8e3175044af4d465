namespace OneMcp.Application.Authorization;

/// <summary>The private claims the gateway puts into its tokens to keep a grant's reach from growing.</summary>
public static class GrantClaims
{
    /// <summary>The scopes the user first granted (space-separated); refreshes of the family stay within them.</summary>
    public const string GrantedScopes = "onemcp_granted";

    /// <summary>The tags the granting user could not grant (space-separated): backends carrying one are never reached.</summary>
    public const string WithheldTags = "onemcp_withheld";
}
