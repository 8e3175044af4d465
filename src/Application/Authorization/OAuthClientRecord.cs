namespace OneMcp.Application.Authorization;

public sealed record OAuthClientRecord(string ClientId, string? DisplayName, string? ClientType, IReadOnlyList<string> RedirectUris, IReadOnlyList<OAuthGrantRecord> Grants);
