namespace OneMcp.Application.Authorization.Queries;

/// <summary>A grant as the dashboard shows it; <see cref="UserName"/> is null when the user was deleted.</summary>
public sealed record OAuthGrantView(string Id, string? UserName, IReadOnlyList<string> Scopes, DateTimeOffset? CreatedAt);
