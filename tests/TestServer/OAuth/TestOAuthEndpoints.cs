using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace OneMcp.TestServer.OAuth;

/// <summary>The handlers of the embedded authorization server; see <see cref="TestOAuthExtensions"/> for the paths.</summary>
internal static class TestOAuthEndpoints
{
    private const string HtmlContentType = "text/html; charset=utf-8";

    /// <summary>RFC 9728 protected resource metadata.</summary>
    public static IResult ProtectedResourceMetadata(TestOAuthUrls urls) => Results.Json(new JsonObject
    {
        ["resource"] = urls.Resource,
        ["authorization_servers"] = new JsonArray(urls.Base),
        ["bearer_methods_supported"] = new JsonArray("header"),
        ["scopes_supported"] = Array(TestOAuthConstants.Scopes),
    });

    /// <summary>RFC 8414 authorization server metadata (also served as the OpenID configuration).</summary>
    public static IResult AuthorizationServerMetadata(TestOAuthUrls urls) => Results.Json(new JsonObject
    {
        ["issuer"] = urls.Base,
        ["authorization_endpoint"] = urls.AuthorizationEndpoint,
        ["token_endpoint"] = urls.TokenEndpoint,
        ["registration_endpoint"] = urls.RegistrationEndpoint,
        ["response_types_supported"] = new JsonArray("code"),
        ["grant_types_supported"] = Array(TestOAuthConstants.GrantTypes),
        ["code_challenge_methods_supported"] = new JsonArray("S256"),
        ["token_endpoint_auth_methods_supported"] = Array(TestOAuthConstants.AuthMethods),
        ["scopes_supported"] = Array(TestOAuthConstants.Scopes),
        ["authorization_response_iss_parameter_supported"] = true,
    });

    public static IResult Stats(TestOAuthStore store)
    {
        var stats = store.Stats();
        return Results.Json(new JsonObject
        {
            ["authorizationCodesIssued"] = stats.AuthorizationCodesIssued,
            ["accessTokensIssued"] = stats.AccessTokensIssued,
            ["refreshes"] = stats.Refreshes,
            ["activeAccessTokens"] = stats.ActiveAccessTokens,
        });
    }

    /// <summary>
    /// RFC 7591 dynamic registration. <c>token_endpoint_auth_method</c> defaults to <c>none</c> (a public client) and
    /// <c>grant_types</c> to both supported grants: friendlier to MCP clients than the RFC's defaults.
    /// </summary>
    public static async Task<IResult> RegisterAsync(HttpContext context, TestOAuthStore store)
    {
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return Error("invalid_client_metadata", "The body must be a JSON object.");
        }

        if (StringArray(body["redirect_uris"]) is not { Count: > 0 } redirectUris
            || redirectUris.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment)))
        {
            return Error("invalid_redirect_uri", "redirect_uris must be a non-empty array of absolute URIs without fragment.");
        }

        var authMethod = body["token_endpoint_auth_method"] is null ? TestOAuthConstants.AuthMethodNone : String(body["token_endpoint_auth_method"]);
        if (authMethod is null || !TestOAuthConstants.AuthMethods.Contains(authMethod))
        {
            return Error("invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_post or client_secret_basic.");
        }

        IReadOnlyList<string>? grantTypes = body["grant_types"] is null ? TestOAuthConstants.GrantTypes : StringArray(body["grant_types"]);
        if (grantTypes is null || !grantTypes.Contains(TestOAuthConstants.GrantAuthorizationCode)
            || grantTypes.Any(g => !TestOAuthConstants.GrantTypes.Contains(g)))
        {
            return Error("invalid_client_metadata", "grant_types must include authorization_code and may include refresh_token.");
        }

        if (body["response_types"] is not null && StringArray(body["response_types"]) is not ["code"])
        {
            return Error("invalid_client_metadata", "response_types must be [\"code\"].");
        }

        var scope = String(body["scope"]);
        if ((body["scope"] is not null && scope is null) || (scope is not null && !TryParseScope(scope, out _)))
        {
            return Error("invalid_client_metadata", "scope must be a space-separated subset of mcp:read mcp:write.");
        }

        if (body["client_name"] is not null && String(body["client_name"]) is null)
        {
            return Error("invalid_client_metadata", "client_name must be a string.");
        }

        var client = store.Register(String(body["client_name"]), redirectUris, authMethod, [.. grantTypes.Distinct()], scope);
        var answer = new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_id_issued_at"] = client.IssuedAt.ToUnixTimeSeconds(),
        };
        if (client.ClientSecret is not null)
        {
            answer["client_secret"] = client.ClientSecret;
            answer["client_secret_expires_at"] = 0;
        }

        if (client.ClientName is not null)
        {
            answer["client_name"] = client.ClientName;
        }

        answer["redirect_uris"] = Array(client.RedirectUris);
        answer["grant_types"] = Array(client.GrantTypes);
        answer["response_types"] = new JsonArray("code");
        answer["token_endpoint_auth_method"] = client.TokenEndpointAuthMethod;
        if (client.Scope is not null)
        {
            answer["scope"] = client.Scope;
        }

        return Results.Json(answer, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>
    /// GET shows the consent page; POST (the page's form: the request in hidden fields plus <c>decision</c>) redirects
    /// to the client. An unknown client or unregistered redirect URI gets a 400 page, never a redirect.
    /// </summary>
    public static async Task<IResult> AuthorizeAsync(HttpContext context, TestOAuthStore store, TestOAuthUrls urls)
    {
        var isPost = HttpMethods.IsPost(context.Request.Method);
        if (isPost && !context.Request.HasFormContentType)
        {
            return Page(StatusCodes.Status400BadRequest, "The authorization form must be posted as application/x-www-form-urlencoded.");
        }

        IEnumerable<KeyValuePair<string, StringValues>> values = isPost
            ? await context.Request.ReadFormAsync(context.RequestAborted)
            : context.Request.Query;
        var parameters = values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        string? Get(string name) => parameters.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

        var client = store.FindClient(Get("client_id"));
        if (client is null)
        {
            return Page(StatusCodes.Status400BadRequest, $"Unknown client_id '{Get("client_id")}'.");
        }

        var redirectUri = Get("redirect_uri");
        if (redirectUri is null || !client.AllowsRedirectUri(redirectUri))
        {
            return Page(StatusCodes.Status400BadRequest, $"redirect_uri '{redirectUri}' is not registered for client '{client.ClientId}'.");
        }

        var state = Get("state");
        if (Get("response_type") != "code")
        {
            return RedirectError(redirectUri, "unsupported_response_type", "response_type must be code.", state, urls);
        }

        var challenge = Get("code_challenge");
        if (challenge is null || challenge.Length is < 43 or > 128)
        {
            return RedirectError(redirectUri, "invalid_request", "code_challenge is required (PKCE).", state, urls);
        }

        if (Get("code_challenge_method") != "S256")
        {
            return RedirectError(redirectUri, "invalid_request", "code_challenge_method must be S256.", state, urls);
        }

        var requestedScope = Get("scope") ?? client.Scope ?? string.Join(' ', TestOAuthConstants.Scopes);
        if (!TryParseScope(requestedScope, out var scope))
        {
            return RedirectError(redirectUri, "invalid_scope", "Supported scopes are mcp:read and mcp:write.", state, urls);
        }

        var resource = Get("resource");
        if (!isPost)
        {
            var hidden = new List<KeyValuePair<string, string>>
            {
                new("response_type", "code"),
                new("client_id", client.ClientId),
                new("redirect_uri", redirectUri),
                new("scope", scope),
                new("code_challenge", challenge),
                new("code_challenge_method", "S256"),
            };
            if (state is not null)
            {
                hidden.Add(new("state", state));
            }

            if (resource is not null)
            {
                hidden.Add(new("resource", resource));
            }

            return Results.Content(ConsentPage.Render(client, scope, hidden), HtmlContentType);
        }

        switch (Get(ConsentPage.DecisionField))
        {
            case ConsentPage.Deny:
                return RedirectError(redirectUri, "access_denied", null, state, urls);
            case ConsentPage.Allow:
                var account = Get(ConsentPage.AccountField) ?? ConsentPage.DefaultAccount;
                var code = store.IssueCode(client, redirectUri, challenge, scope, resource, account);
                return Redirect(redirectUri, [new("code", code), new("state", state), new("iss", urls.Base)]);
            default:
                return Page(StatusCodes.Status400BadRequest, "decision must be allow or deny.");
        }
    }

    /// <summary>The token endpoint: authorization_code (with PKCE S256) and refresh_token (rotating) grants.</summary>
    public static async Task<IResult> TokenAsync(HttpContext context, TestOAuthStore store, TestOAuthUrls urls)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        if (store.TokenEndpointDown)
        {
            return Error("temporarily_unavailable", "The token endpoint is down for maintenance.", StatusCodes.Status503ServiceUnavailable);
        }

        if (!context.Request.HasFormContentType)
        {
            return Error("invalid_request", "The token request must be application/x-www-form-urlencoded.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? Get(string name) => form.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

        var (client, clientError) = AuthenticateClient(context, Get("client_id"), Get("client_secret"), store);
        if (client is null)
        {
            return clientError!;
        }

        var resource = Get("resource");
        if (resource is not null && resource != urls.Resource)
        {
            return Error("invalid_target", $"resource must be {urls.Resource}.");
        }

        switch (Get("grant_type"))
        {
            case TestOAuthConstants.GrantAuthorizationCode:
                {
                    if (Get("code") is not { } code || Get("redirect_uri") is not { } redirectUri)
                    {
                        return Error("invalid_request", "code and redirect_uri are required.");
                    }

                    var grant = store.RedeemCode(code);
                    if (grant is null)
                    {
                        return Error("invalid_grant", "The authorization code is unknown, expired or already used.");
                    }

                    if (grant.ClientId != client.ClientId || grant.RedirectUri != redirectUri)
                    {
                        return Error("invalid_grant", "The authorization code was issued to another client or redirect_uri.");
                    }

                    if (!TestOAuthStore.VerifyPkce(Get("code_verifier"), grant.CodeChallenge))
                    {
                        return Error("invalid_grant", "PKCE verification failed: code_verifier does not match the code_challenge.");
                    }

                    var effectiveResource = resource ?? grant.Resource;
                    if (effectiveResource is not null && effectiveResource != urls.Resource)
                    {
                        return Error("invalid_target", $"resource must be {urls.Resource}.");
                    }

                    return TokenResponse(store.IssueTokens(client, grant.Scope, effectiveResource, grant.Subject));
                }

            case TestOAuthConstants.GrantRefreshToken:
                {
                    if (Get("refresh_token") is not { } refreshToken)
                    {
                        return Error("invalid_request", "refresh_token is required.");
                    }

                    if (!client.GrantTypes.Contains(TestOAuthConstants.GrantRefreshToken))
                    {
                        return Error("unauthorized_client", "The client did not register the refresh_token grant.");
                    }

                    var grant = store.FindRefreshToken(refreshToken);
                    if (grant is null || grant.ClientId != client.ClientId)
                    {
                        return Error("invalid_grant", "The refresh token is unknown, revoked or already used.");
                    }

                    var scope = grant.Scope;
                    if (Get("scope") is { } requested)
                    {
                        if (!TryParseScope(requested, out scope) || scope.Split(' ').Except(grant.Scope.Split(' ')).Any())
                        {
                            return Error("invalid_scope", $"scope must be a subset of '{grant.Scope}'.");
                        }
                    }

                    return store.RedeemRefreshToken(refreshToken, grant)
                        ? TokenResponse(store.IssueTokens(client, scope, resource ?? grant.Resource, grant.Subject))
                        : Error("invalid_grant", "The refresh token is unknown, revoked or already used.");
                }

            case null:
                return Error("invalid_request", "grant_type is required.");
            default:
                return Error("unsupported_grant_type", "Supported grant types are authorization_code and refresh_token.");
        }
    }

    /// <summary>
    /// client_secret_basic (RFC 6749 §2.3.1, form-encoded id and secret) or client_secret_post for confidential clients,
    /// client_id alone for public ones. A confidential client may use either method, whichever it registered.
    /// </summary>
    private static (OAuthClient? Client, IResult? Error) AuthenticateClient(HttpContext context, string? formClientId, string? formSecret, TestOAuthStore store)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var usedBasic = header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
        string? clientId = formClientId;
        string? secret = formSecret;
        if (usedBasic)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            }
            catch (FormatException)
            {
                return (null, ClientError("The Basic credentials are not valid base64.", usedBasic));
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return (null, ClientError("The Basic credentials have no ':'.", usedBasic));
            }

            clientId = Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
            secret = Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
            if (formClientId is not null && formClientId != clientId)
            {
                return (null, Error("invalid_request", "client_id in the body differs from the Basic credentials."));
            }
        }

        if (clientId is null)
        {
            return (null, ClientError("client_id is required.", usedBasic));
        }

        var client = store.FindClient(clientId);
        if (client is null)
        {
            return (null, ClientError($"Unknown client '{clientId}'.", usedBasic));
        }

        if (client.ClientSecret is not null
            && (secret is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(client.ClientSecret))))
        {
            return (null, ClientError("Client authentication failed.", usedBasic));
        }

        return (client, null);
    }

    private static IResult ClientError(string description, bool usedBasic)
    {
        var error = new JsonObject { ["error"] = "invalid_client", ["error_description"] = description };
        return usedBasic
            ? new WithHeader(Results.Json(error, statusCode: StatusCodes.Status401Unauthorized), "WWW-Authenticate", "Basic realm=\"test-oauth\"")
            : Results.Json(error, statusCode: StatusCodes.Status401Unauthorized);
    }

    private static IResult TokenResponse(IssuedTokens tokens)
    {
        var answer = new JsonObject
        {
            ["access_token"] = tokens.AccessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)tokens.ExpiresIn.TotalSeconds,
        };
        if (tokens.RefreshToken is not null)
        {
            answer["refresh_token"] = tokens.RefreshToken;
        }

        answer["scope"] = tokens.Scope;
        return Results.Json(answer);
    }

    private static IResult Error(string error, string description, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);

    private static IResult Page(int status, string message) =>
        Results.Content(ConsentPage.Error(message), HtmlContentType, statusCode: status);

    private static IResult RedirectError(string redirectUri, string error, string? description, string? state, TestOAuthUrls urls) =>
        Redirect(redirectUri, [new("error", error), new("error_description", description), new("state", state), new("iss", urls.Base)]);

    private static IResult Redirect(string redirectUri, KeyValuePair<string, string?>[] query) =>
        Results.Redirect(QueryHelpers.AddQueryString(redirectUri, query.Where(q => q.Value is not null)));

    /// <summary>Space-separated, known scopes only, duplicates removed; <paramref name="normalized"/> keeps the request's order.</summary>
    private static bool TryParseScope(string scope, out string normalized)
    {
        var parts = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();
        normalized = string.Join(' ', parts);
        return parts.Length > 0 && parts.All(p => TestOAuthConstants.Scopes.Contains(p));
    }

    private static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    private static List<string>? StringArray(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }

        var result = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (String(item) is not { } s)
            {
                return null;
            }

            result.Add(s);
        }

        return result;
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    /// <summary>An <see cref="IResult"/> plus one response header (the Basic challenge of a failed client_secret_basic).</summary>
    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
