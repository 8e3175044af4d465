using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneMcp.Application.Backends.OAuth;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// The HTTP side of the gateway's OAuth client toward backends, per the MCP authorization specification:
/// protected-resource metadata (from the backend's 401 or its well-known URL), authorization-server metadata
/// (RFC 8414, then OpenID discovery), dynamic client registration (RFC 7591), the code exchange with PKCE and
/// the resource indicator (RFC 8707), and refresh. Every URL a backend's answers name must be https and off
/// loopback; plain http (on loopback only) and loopback are allowed only for a backend that is itself on loopback
/// over http (a local development server). Connections go through <see cref="OutboundAddressGuard"/>.
/// </summary>
public sealed class BackendOAuthHttp(HttpClient http)
{
    public async Task<BackendAuthorizationServer> DiscoverAsync(Uri backendUrl, CancellationToken cancellationToken)
    {
        var resourceMetadata = await FindResourceMetadataAsync(backendUrl, cancellationToken);
        var resource = backendUrl.GetLeftPart(UriPartial.Path);
        Uri issuer;
        var scopes = new List<string>();
        if (resourceMetadata is not null)
        {
            if (Text(resourceMetadata["resource"]) is { } declared)
            {
                if (!Uri.TryCreate(declared, UriKind.Absolute, out var declaredUri) || !SameOrigin(declaredUri, backendUrl))
                {
                    throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"The backend's metadata names another resource ({declared}).");
                }

                resource = declared;
            }

            var first = (resourceMetadata["authorization_servers"] as JsonArray)?.Select(Text).FirstOrDefault();
            issuer = first is not null && Uri.TryCreate(first, UriKind.Absolute, out var parsed)
                ? parsed
                : throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, "The backend's protected-resource metadata names no authorization server.");
            scopes.AddRange((resourceMetadata["scopes_supported"] as JsonArray)?.Select(Text).OfType<string>() ?? []);
        }
        else
        {
            // Servers of the 2025-03-26 revision have no resource metadata: the authorization server is the backend's origin.
            issuer = new Uri(backendUrl.GetLeftPart(UriPartial.Authority));
        }

        EnsureAllowed(issuer, backendUrl, "authorization server");
        var metadata = await FindServerMetadataAsync(issuer, backendUrl, cancellationToken)
            ?? throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"No authorization server metadata was found for {issuer}.");
        var advertisedIssuer = Text(metadata["issuer"]);
        if (advertisedIssuer is null || !string.Equals(advertisedIssuer.TrimEnd('/'), issuer.OriginalString.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"The authorization server's metadata names another issuer ({advertisedIssuer}).");
        }

        var methods = (metadata["code_challenge_methods_supported"] as JsonArray)?.Select(Text).ToList() ?? [];
        if (!methods.Contains("S256"))
        {
            throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, "The backend's authorization server does not support PKCE with S256.");
        }

        if (scopes.Count == 0)
        {
            scopes.AddRange((metadata["scopes_supported"] as JsonArray)?.Select(Text).OfType<string>() ?? []);
        }

        return new BackendAuthorizationServer(
            advertisedIssuer,
            RequiredEndpoint(metadata, "authorization_endpoint", backendUrl),
            RequiredEndpoint(metadata, "token_endpoint", backendUrl),
            OptionalEndpoint(metadata, "registration_endpoint", backendUrl),
            resource,
            scopes);
    }

    /// <summary>RFC 7591: a public client (or a confidential one when the server insists) for this redirect URI.</summary>
    public async Task<(string ClientId, string? ClientSecret)> RegisterAsync(
        BackendAuthorizationServer server, string clientName, Uri redirectUri, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var endpoint = server.RegistrationEndpoint
            ?? throw new BackendOAuthException(BackendOAuthException.RegistrationFailed,
                "The backend's authorization server has no dynamic client registration: set 'oauth.clientId' (and 'clientSecret') for this backend.");
        var request = new JsonObject
        {
            ["client_name"] = clientName,
            ["redirect_uris"] = new JsonArray(redirectUri.AbsoluteUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        };
        if (scopes.Count > 0)
        {
            request["scope"] = string.Join(' ', scopes);
        }

        EnsureAllowed(endpoint, BackendOf(server.Resource), "registration_endpoint");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = JsonContent.Create(request) }, BackendOf(server.Resource), cancellationToken);
        var body = await ReadJsonAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode || body is null || Text(body["client_id"]) is not { Length: > 0 } clientId)
        {
            throw new BackendOAuthException(BackendOAuthException.RegistrationFailed, $"Client registration was refused: {DescribeError(response, body)}.");
        }

        return (clientId, Text(body["client_secret"]));
    }

    public Task<TokenResponse> ExchangeCodeAsync(BackendOAuthClientRegistration client, string code, string verifier, CancellationToken cancellationToken) =>
        TokenRequestAsync(client, [
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", client.RedirectUri.AbsoluteUri),
            new("code_verifier", verifier),
            new("resource", client.Resource),
        ], cancellationToken);

    public Task<TokenResponse> RefreshAsync(BackendOAuthClientRegistration client, string refreshToken, CancellationToken cancellationToken) =>
        TokenRequestAsync(client, [
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
            new("resource", client.Resource),
        ], cancellationToken);

    private async Task<TokenResponse> TokenRequestAsync(BackendOAuthClientRegistration client, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        form.Add(new("client_id", client.ClientId));
        if (client.ClientSecret is not null)
        {
            form.Add(new("client_secret", client.ClientSecret));
        }

        // Checked again here: a registration stored before the rules were this strict must not slip through.
        var backend = BackendOf(client.Resource);
        EnsureAllowed(client.TokenEndpoint, backend, "token_endpoint");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, client.TokenEndpoint) { Content = new FormUrlEncodedContent(form) }, backend, cancellationToken);
        var body = await ReadJsonAsync(response, cancellationToken);
        if (IsTransient(response.StatusCode))
        {
            throw new BackendOAuthException(
                BackendOAuthException.TokenExchangeFailed, $"The backend's token endpoint is not answering: {DescribeError(response, body)}.", transient: true);
        }

        if (!response.IsSuccessStatusCode || body is null || Text(body["access_token"]) is not { Length: > 0 } accessToken)
        {
            // Only an OAuth error is a refusal; anything else (a proxy's HTML page, a success without tokens) is no answer at all.
            var error = Text(body?["error"]);
            throw new BackendOAuthException(
                BackendOAuthException.TokenExchangeFailed,
                error is null ? $"The backend's token endpoint answered no tokens: {DescribeError(response, body)}." : $"The backend's token endpoint refused: {DescribeError(response, body)}.",
                oauthError: error);
        }

        var expiresIn = body["expires_in"] is JsonValue value && value.TryGetValue<long>(out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var scope = Text(body["scope"]);
        return new TokenResponse(
            accessToken,
            Text(body["refresh_token"]),
            expiresIn,
            scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private async Task<JsonObject?> FindResourceMetadataAsync(Uri backendUrl, CancellationToken cancellationToken)
    {
        // The backend's own 401 names its metadata (RFC 9728 §5.1); otherwise the well-known locations, path first.
        var candidates = new List<Uri>();
        using (var probe = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, backendUrl), backendUrl, cancellationToken))
        {
            if (probe.StatusCode == HttpStatusCode.Unauthorized && ResourceMetadataFrom(probe.Headers.WwwAuthenticate) is { } named)
            {
                // Refused outright rather than skipped: a backend pointing the gateway elsewhere is worth an error.
                EnsureAllowed(named, backendUrl, "protected-resource metadata");
                candidates.Add(named);
            }
        }

        var origin = backendUrl.GetLeftPart(UriPartial.Authority);
        var path = backendUrl.AbsolutePath.TrimEnd('/');
        if (path.Length > 0)
        {
            candidates.Add(new Uri(origin + "/.well-known/oauth-protected-resource" + path));
        }

        candidates.Add(new Uri(origin + "/.well-known/oauth-protected-resource"));
        foreach (var candidate in candidates)
        {
            if (await GetJsonAsync(candidate, backendUrl, cancellationToken) is { } document)
            {
                return document;
            }
        }

        return null;
    }

    private async Task<JsonObject?> FindServerMetadataAsync(Uri issuer, Uri backendUrl, CancellationToken cancellationToken)
    {
        var origin = issuer.GetLeftPart(UriPartial.Authority);
        var path = issuer.AbsolutePath.TrimEnd('/');
        Uri[] candidates = path.Length > 0
            ? [new(origin + "/.well-known/oauth-authorization-server" + path), new(origin + "/.well-known/openid-configuration" + path), new(origin + path + "/.well-known/openid-configuration")]
            : [new(origin + "/.well-known/oauth-authorization-server"), new(origin + "/.well-known/openid-configuration")];
        foreach (var candidate in candidates)
        {
            if (await GetJsonAsync(candidate, backendUrl, cancellationToken) is { } document)
            {
                return document;
            }
        }

        return null;
    }

    private async Task<JsonObject?> GetJsonAsync(Uri url, Uri backendUrl, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), backendUrl, cancellationToken);
        return response.IsSuccessStatusCode ? await ReadJsonAsync(response, cancellationToken) : null;
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, Uri backendUrl, CancellationToken cancellationToken)
    {
        using var message = request();
        message.Options.Set(OutboundAddressGuard.AllowLoopback, backendUrl.IsLoopback);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            return await http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new BackendOAuthException(
                BackendOAuthException.DiscoveryFailed, $"{message.RequestUri?.GetLeftPart(UriPartial.Path)} could not be reached: {e.Message}", e, transient: true);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BackendOAuthException(
                BackendOAuthException.DiscoveryFailed,
                $"{message.RequestUri?.GetLeftPart(UriPartial.Path)} did not answer within {http.Timeout.TotalSeconds:0} seconds.", e, transient: true);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static async Task<JsonObject?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static Uri? ResourceMetadataFrom(HttpHeaderValueCollection<AuthenticationHeaderValue> challenges)
    {
        foreach (var challenge in challenges)
        {
            if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) || challenge.Parameter is null)
            {
                continue;
            }

            const string Key = "resource_metadata=\"";
            var start = challenge.Parameter.IndexOf(Key, StringComparison.OrdinalIgnoreCase);
            if (start < 0)
            {
                continue;
            }

            start += Key.Length;
            var end = challenge.Parameter.IndexOf('"', start);
            if (end > start && Uri.TryCreate(challenge.Parameter[start..end], UriKind.Absolute, out var url))
            {
                return url;
            }
        }

        return null;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static Uri RequiredEndpoint(JsonObject metadata, string name, Uri backendUrl) =>
        OptionalEndpoint(metadata, name, backendUrl) ?? throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"The authorization server's metadata has no {name}.");

    private static Uri? OptionalEndpoint(JsonObject metadata, string name, Uri backendUrl)
    {
        if (Text(metadata[name]) is not { } value)
        {
            return null;
        }

        var url = Uri.TryCreate(value, UriKind.Absolute, out var parsed)
            ? parsed
            : throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"The authorization server's {name} is not a URL.");
        EnsureAllowed(url, backendUrl, name);
        return url;
    }

    /// <summary>
    /// The URL rules of the SSRF guard (the addresses are checked on connecting): https off loopback; loopback only
    /// for a backend on loopback; plain http only on loopback, for a backend on loopback over plain http.
    /// </summary>
    private static void EnsureAllowed(Uri url, Uri backendUrl, string what)
    {
        var shown = url.GetLeftPart(UriPartial.Path);
        var localBackend = backendUrl.IsLoopback;
        if (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback && localBackend && backendUrl.Scheme == Uri.UriSchemeHttp)
        {
            return;
        }

        if (url.Scheme != Uri.UriSchemeHttps)
        {
            throw new BackendOAuthException(
                BackendOAuthException.DiscoveryFailed,
                $"The {what} ({shown}) must use https: plain http is accepted only on loopback, for a backend on loopback over http.");
        }

        if (url.IsLoopback && !localBackend)
        {
            throw new BackendOAuthException(
                BackendOAuthException.DiscoveryFailed,
                $"The {what} ({shown}) is on loopback while the backend is not: the gateway does not follow a remote backend to its own machine.");
        }
    }

    private static Uri BackendOf(string resource) =>
        Uri.TryCreate(resource, UriKind.Absolute, out var url)
            ? url
            : throw new BackendOAuthException(BackendOAuthException.TokenExchangeFailed, "The stored registration names no valid resource; click Authorize again.");

    internal static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.GetLeftPart(UriPartial.Authority), b.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);

    private static string DescribeError(HttpResponseMessage response, JsonObject? body)
    {
        var error = Text(body?["error"]);
        var description = Text(body?["error_description"]);
        return error is null ? $"HTTP {(int)response.StatusCode}" : description is null ? error : $"{error} ({description})";
    }
}
