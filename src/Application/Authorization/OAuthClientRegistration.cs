namespace OneMcp.Application.Authorization;

/// <param name="ClientId">The client id issued to it.</param>
/// <param name="ClientSecret">Null for a public client (<c>token_endpoint_auth_method=none</c>).</param>
/// <param name="DisplayName">The name shown on the consent page and in the dashboard.</param>
/// <param name="RedirectUris">Where it may be sent back (https or loopback).</param>
/// <param name="MayRefresh">Whether it registered the refresh_token grant.</param>
/// <param name="ApplicationType">The RFC 7591 / OpenID registration <c>application_type</c>: <see cref="OAuthApplicationTypes.Web"/> unless it said native.</param>
public sealed record OAuthClientRegistration(
    string ClientId, string? ClientSecret, string DisplayName, IReadOnlyList<Uri> RedirectUris, bool MayRefresh, string ApplicationType = OAuthApplicationTypes.Web)
{
    public bool IsPublic => ClientSecret is null;

    // Records print every property; this one holds a secret.
    public override string ToString() => $"OAuthClientRegistration {{ ClientId = {ClientId}, DisplayName = {DisplayName} }}";
}
