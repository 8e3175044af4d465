namespace OneMcp.Application.Gateway.Filtering;

/// <summary>How a session chose its tag filter.</summary>
public enum SessionFilterKind
{
    /// <summary>No filter: every backend is visible.</summary>
    None = 0,

    /// <summary><c>?tags=a,b</c>: backends having any of the tags.</summary>
    Tags,

    /// <summary><c>?tag-filter=&lt;expr&gt;</c>: a boolean expression.</summary>
    Expression,

    /// <summary><c>?preset=&lt;name&gt;</c>: a stored, named expression.</summary>
    Preset,
}
