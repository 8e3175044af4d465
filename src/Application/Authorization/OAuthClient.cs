namespace OneMcp.Application.Authorization;

/// <param name="ClientId">The client id it was issued.</param>
/// <param name="DisplayName">The name it registered (null when it gave none).</param>
/// <param name="MayRefresh">Whether it registered the refresh_token grant (and so may get offline access).</param>
public sealed record OAuthClient(string ClientId, string? DisplayName, bool MayRefresh);
