namespace OneMcp.Application.Authorization;

public sealed record OAuthGrantRecord(string Id, string ClientId, string? Subject, IReadOnlyList<string> Scopes, DateTimeOffset? CreatedAt);
