namespace OneMcp.Application.Backends;

/// <summary>The gateway's OAuth client settings toward a backend (mcp.json <c>oauth</c>).</summary>
public sealed record BackendOAuthDefinition
{
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public string? RedirectUrl { get; init; }
}
