namespace OneMcp.Domain.Backends;

/// <summary>Where a backend's definition lives.</summary>
public enum BackendOrigin
{
    /// <summary>Defined in mcp.json: the file owns it; operators may only enable or disable it.</summary>
    Config,
    /// <summary>Registered through the REST API or dashboard: stored, edited and removed there.</summary>
    Api,
}
