namespace OneMcp.Application.Authorization.Queries;

public sealed record OAuthClientView(string ClientId, string Name, string Type, IReadOnlyList<string> RedirectUris, IReadOnlyList<OAuthGrantView> Grants);
