namespace OneMcp.Application.Authorization;

/// <summary>How granted tag scopes select backends (<c>--scope-match</c>).</summary>
public enum ScopeMatch
{
    /// <summary>A backend must carry every granted tag (what 1MCP's documentation promises).</summary>
    All,

    /// <summary>A backend carrying one granted tag is enough.</summary>
    Any,
}
