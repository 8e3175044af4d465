namespace OneMcp.Application.Backends;

/// <summary>
/// The gateway's OAuth client settings toward a backend (mcp.json <c>oauth</c>) as administrators see them: everything
/// but the client secret, of which only whether one is set is said. An edit keeps these by sending them again.
/// </summary>
public sealed record BackendOAuthSettingsView(string? ClientId, IReadOnlyList<string> Scopes, string? RedirectUrl, bool ClientSecretSet)
{
    public static BackendOAuthSettingsView? From(Domain.Backends.BackendOAuthSettings? settings) =>
        settings is null
            ? null
            : new BackendOAuthSettingsView(settings.ClientId, settings.Scopes, settings.RedirectUrl?.OriginalString, !string.IsNullOrEmpty(settings.ClientSecret));
}
