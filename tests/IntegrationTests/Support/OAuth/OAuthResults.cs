using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>Approve or deny on the consent page.</summary>
public enum ConsentDecision
{
    Approve,
    Deny,
}

/// <summary>The answer of <c>POST /register</c> (RFC 7591). Fields are null when absent (for instance on an error).</summary>
public sealed record ClientRegistration(
    HttpStatusCode StatusCode,
    string? ClientId,
    string? ClientSecret,
    string? Error,
    string? ErrorDescription,
    JsonObject? Json,
    string Body)
{
    internal static ClientRegistration From(HttpStatusCode status, string body)
    {
        var json = OAuthJson.TryParse(body);
        return new ClientRegistration(
            status,
            OAuthJson.String(json, "client_id"),
            OAuthJson.String(json, "client_secret"),
            OAuthJson.String(json, "error"),
            OAuthJson.String(json, "error_description"),
            json,
            body);
    }
}

/// <summary>The answer of <c>POST /token</c> or <c>POST /revoke</c>. Fields are null when absent; 4xx answers are returned, not thrown.</summary>
public sealed record TokenResponse(
    HttpStatusCode StatusCode,
    string? AccessToken,
    string? RefreshToken,
    string? TokenType,
    long? ExpiresIn,
    string? Scope,
    string? Error,
    string? ErrorDescription,
    JsonObject? Json,
    string Body)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;

    internal static TokenResponse From(HttpStatusCode status, string body)
    {
        var json = OAuthJson.TryParse(body);
        return new TokenResponse(
            status,
            OAuthJson.String(json, "access_token"),
            OAuthJson.String(json, "refresh_token"),
            OAuthJson.String(json, "token_type"),
            OAuthJson.Number(json, "expires_in"),
            OAuthJson.String(json, "scope"),
            OAuthJson.String(json, "error"),
            OAuthJson.String(json, "error_description"),
            json,
            body);
    }
}

/// <summary>Where the authorization server sent the user agent back to: the client's redirect URI with its query parsed.</summary>
public sealed record AuthorizationRedirect(Uri Location, string? Code, string? State, string? Error, string? ErrorDescription, string? Iss)
{
    public static AuthorizationRedirect Parse(Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        string? Get(string key) => query.TryGetValue(key, out var v) && v.Count > 0 ? v[0] : null;
        return new AuthorizationRedirect(location, Get("code"), Get("state"), Get("error"), Get("error_description"), Get("iss"));
    }
}

/// <summary>
/// The outcome of the browser-like authorization flow: the final redirect to the client, and the consent
/// form as it was shown (null when the server redirected without asking).
/// </summary>
public sealed record AuthorizationResult(AuthorizationRedirect Redirect, HtmlForm? ConsentForm)
{
    /// <summary>The scope checkboxes offered on the consent page (value and whether pre-checked).</summary>
    public IReadOnlyList<HtmlInput> OfferedScopes => ConsentForm?.Checkboxes(OAuthFlowDriver.ScopesField) ?? [];
}

/// <summary>A step of the authorization flow answered something the contract does not allow.</summary>
public sealed class OAuthFlowException(string message, HttpStatusCode? statusCode = null, string? body = null) : Exception(message)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    public string? Body { get; } = body;
}

internal static class OAuthJson
{
    public static JsonObject? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? String(JsonObject? json, string name) =>
        json?[name] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    public static long? Number(JsonObject? json, string name)
    {
        if (json?[name] is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<long>(out var n))
        {
            return n;
        }

        return value.TryGetValue<string>(out var s) && long.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out n) ? n : null;
    }
}
