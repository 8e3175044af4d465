using System.Security.Claims;
using System.Text.Json;
using OneMcp.Application.Users.Commands;

namespace OneMcp.Infrastructure.Identity.Oidc;

/// <summary>
/// Reads who signed in from the principal OpenIddict's client validated (the ID token's claims merged with the user
/// info endpoint's): <c>sub</c>, <c>preferred_username</c>, <c>email</c>, <c>email_verified</c>, <c>groups</c> and the
/// role claim. A claim with several values arrives as several claims or as one JSON array, depending on the provider.
/// </summary>
public static class ProviderClaims
{
    public const string GroupsClaim = "groups";
    public const string EmailClaim = "email";

    /// <summary>The identity, or null when the principal has no <c>sub</c>.</summary>
    public static ProviderIdentity? IdentityOf(ClaimsPrincipal principal, string roleClaim)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentException.ThrowIfNullOrEmpty(roleClaim);
        if (Single(principal, "sub") is not { } subject)
        {
            return null;
        }

        var verified = Single(principal, "email_verified") switch
        {
            null => (bool?)null,
            var text => bool.TryParse(text, out var value) ? value : null,
        };

        // An address the provider says it has not verified is anyone's to type (self-registration, a changed profile):
        // as the role claim it makes nobody an administrator, as the domain allow-list refuses it. Its absence is no
        // refusal (Entra ID sends none).
        string[] roleValues = roleClaim == EmailClaim && verified == false ? [] : Values(principal, roleClaim);
        return new ProviderIdentity(
            subject,
            Single(principal, "preferred_username"),
            Single(principal, EmailClaim),
            verified,
            Values(principal, GroupsClaim),
            roleValues);
    }

    /// <summary>
    /// When an ID token (a JWT whose signature the client already checked) expires: its <c>exp</c>, or null when it has
    /// none or cannot be read. OpenIddict's client lets the ID token of the token endpoint through with an <c>exp</c> in
    /// the past, and OpenID Connect Core (3.1.3.7) requires refusing it, so the host checks.
    /// </summary>
    public static DateTimeOffset? ExpiryOf(string? identityToken)
    {
        var parts = identityToken?.Split('.');
        if (parts is not { Length: >= 2 })
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
            return claims.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string? Single(ClaimsPrincipal principal, string type) =>
        principal.FindFirst(type)?.Value is { Length: > 0 } value ? value : null;

    private static string[] Values(ClaimsPrincipal principal, string type) =>
        [.. principal.FindAll(type).SelectMany(c => Split(c.Value)).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)];

    private static IEnumerable<string> Split(string value)
    {
        if (!value.StartsWith('['))
        {
            return [value];
        }

        try
        {
            using var array = JsonDocument.Parse(value);
            return [.. array.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : e.GetRawText())];
        }
        catch (JsonException)
        {
            return [value];
        }
    }
}
