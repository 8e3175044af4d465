using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>
/// Drives the gateway's OAuth authorization server the way a client and a user's browser would, over plain
/// HTTP: dynamic client registration, the authorization code flow with PKCE through the login and consent
/// pages, and the token and revocation endpoints. Endpoints are <c>{base}/register</c>, <c>/authorize</c>,
/// <c>/token</c> and <c>/revoke</c>. Token and revocation errors (4xx) are returned, not thrown.
/// </summary>
public sealed class OAuthFlowDriver
{
    /// <summary>The consent form's scope checkboxes.</summary>
    public const string ScopesField = "scopes";

    /// <summary>The value of the "Ask an administrator" button (<c>action</c>).</summary>
    public const string AskAdministratorAction = "ask";

    private const int MaxRedirects = 10;

    private readonly Uri _base;
    private readonly Func<HttpClient> _httpClientFactory;

    /// <param name="baseUri">The authorization server's base address (the gateway's root, or a path under it).</param>
    /// <param name="httpClientFactory">
    /// Clients for the back-channel calls (register, token, revoke), disposed after each call; a plain
    /// <see cref="HttpClient"/> when null. The authorize flow always uses its own client with a cookie jar and no automatic redirects.
    /// </param>
    public OAuthFlowDriver(Uri baseUri, Func<HttpClient>? httpClientFactory = null)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        _base = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _httpClientFactory = httpClientFactory ?? (() => new HttpClient());
    }

    public Uri RegisterEndpoint => Endpoint("register");

    public Uri AuthorizeEndpoint => Endpoint("authorize");

    public Uri TokenEndpoint => Endpoint("token");

    public Uri RevokeEndpoint => Endpoint("revoke");

    /// <summary>RFC 7591 dynamic client registration: POSTs JSON to <c>{base}/register</c>.</summary>
    public async Task<ClientRegistration> RegisterClientAsync(
        IEnumerable<string> redirectUris,
        IEnumerable<string>? grantTypes = null,
        string? clientName = null,
        string tokenEndpointAuthMethod = "none",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redirectUris);
        var body = new JsonObject
        {
            ["redirect_uris"] = new JsonArray([.. redirectUris.Select(u => (JsonNode)u)]),
            ["grant_types"] = new JsonArray([.. (grantTypes ?? ["authorization_code", "refresh_token"]).Select(g => (JsonNode)g)]),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = tokenEndpointAuthMethod,
        };
        if (clientName is not null)
        {
            body["client_name"] = clientName;
        }

        using var http = _httpClientFactory();
        using var response = await http.PostAsJsonAsync(RegisterEndpoint, body, cancellationToken);
        return ClientRegistration.From(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>The authorize URL a client would send the browser to.</summary>
    public Uri BuildAuthorizeUri(string clientId, string redirectUri, IEnumerable<string> scopes, string state, Pkce pkce, string? resource = null)
    {
        ArgumentNullException.ThrowIfNull(pkce);
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = string.Join(' ', scopes),
            ["state"] = state,
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = Pkce.Method,
        };
        if (resource is not null)
        {
            query["resource"] = resource;
        }

        return new Uri(QueryHelpers.AddQueryString(AuthorizeEndpoint.AbsoluteUri, query));
    }

    /// <summary>
    /// The whole front-channel flow with a fresh cookie jar: GET /authorize, which redirects to the login page;
    /// sign in with <paramref name="userName"/>/<paramref name="password"/> (plus the login form's hidden fields); back to
    /// /authorize, which shows the consent page; submit it with <paramref name="decision"/> and the
    /// <paramref name="selectedScopes"/> (the pre-checked ones when null); and return the redirect to <paramref name="redirectUri"/>.
    /// A redirect to <paramref name="redirectUri"/> at any step (an error, or no consent needed) ends the flow early.
    /// </summary>
    /// <exception cref="OAuthFlowException">A step answered something else (a 4xx page, a failed sign-in, no consent form).</exception>
    public Task<AuthorizationResult> AuthorizeAsync(
        string clientId,
        string redirectUri,
        IEnumerable<string> scopes,
        string? resource,
        string state,
        Pkce pkce,
        string userName,
        string password,
        ConsentDecision decision = ConsentDecision.Approve,
        IEnumerable<string>? selectedScopes = null,
        CancellationToken cancellationToken = default) =>
        AuthorizeAtAsync(BuildAuthorizeUri(clientId, redirectUri, scopes, state, pkce, resource), redirectUri, userName, password, decision, selectedScopes, cancellationToken);

    /// <summary>
    /// The same front-channel flow as <see cref="AuthorizeAsync"/>, starting from a complete authorization URL that
    /// someone else built (an MCP client SDK, say). The redirect to <paramref name="redirectUri"/> is captured, not followed.
    /// </summary>
    /// <exception cref="OAuthFlowException">A step answered something else (a 4xx page, a failed sign-in, no consent form).</exception>
    public static async Task<AuthorizationResult> AuthorizeAtAsync(
        Uri authorizeUri,
        string redirectUri,
        string userName,
        string password,
        ConsentDecision decision = ConsentDecision.Approve,
        IEnumerable<string>? selectedScopes = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorizeUri);
        using var handler = new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true, AllowAutoRedirect = false };
        using var http = new HttpClient(handler);

        // 1. /authorize -> the login page (the user has no session yet).
        var step = await FollowAsync(http, new HttpRequestMessage(HttpMethod.Get, authorizeUri), redirectUri, "authorize", cancellationToken);
        if (step.Redirect is not null)
        {
            return new AuthorizationResult(step.Redirect, null);
        }

        // 2. Sign in: the login form's hidden fields plus username and password -> back to /authorize -> consent.
        //    A failed sign-in answers the login page again with a 4xx status, which is read like any page here.
        var loginForm = HtmlForms.Parse(step.Html).FirstOrDefault(f => f.HasInput("password"))
            ?? throw new OAuthFlowException($"Expected the login page after GET {authorizeUri}, got {step.Uri}: {HtmlForms.Snippet(step.Html)}", HttpStatusCode.OK, step.Html);
        var loginFields = loginForm.HiddenFields.Where(f => f.Key is not "username" and not "password").ToList();
        loginFields.Add(KeyValuePair.Create("username", userName));
        loginFields.Add(KeyValuePair.Create("password", password));
        step = await FollowAsync(http, FormRequest(loginForm, step.Uri, loginFields), redirectUri, "login", cancellationToken, acceptClientErrorPages: true);
        if (step.Redirect is not null)
        {
            return new AuthorizationResult(step.Redirect, null);
        }

        // 3. Consent: hidden fields, the chosen scope checkboxes and the decision -> the client's redirect URI.
        var consentForm = HtmlForms.Parse(step.Html).FirstOrDefault(f => f.Checkboxes(ScopesField).Count > 0 || f.HasInput("action"))
            ?? throw new OAuthFlowException(
                HtmlForms.Parse(step.Html).Any(f => f.HasInput("password"))
                    ? $"Sign-in as '{userName}' failed: the login page came back ({(int)step.Status} at {step.Uri})."
                    : $"Expected the consent page after signing in, got {(int)step.Status} at {step.Uri}: {HtmlForms.Snippet(step.Html)}",
                step.Status,
                step.Html);
        var chosen = selectedScopes?.ToList()
            ?? [.. consentForm.Checkboxes(ScopesField).Where(c => c.Checked).Select(c => c.Value)];
        var consentFields = consentForm.HiddenFields.Where(f => f.Key is not ScopesField and not "action").ToList();
        consentFields.AddRange(chosen.Select(s => KeyValuePair.Create(ScopesField, s)));
        consentFields.Add(KeyValuePair.Create("action", decision == ConsentDecision.Approve ? "approve" : "deny"));
        step = await FollowAsync(http, FormRequest(consentForm, step.Uri, consentFields), redirectUri, "consent", cancellationToken);
        return step.Redirect is not null
            ? new AuthorizationResult(step.Redirect, consentForm)
            : throw new OAuthFlowException($"Expected a redirect to {redirectUri} after the consent, got a page at {step.Uri}: {HtmlForms.Snippet(step.Html)}", HttpStatusCode.OK, step.Html);
    }

    /// <summary>
    /// A signed-in member's browser (<paramref name="browser"/>, with its sign-in cookie) at <paramref name="authorizeUri"/>
    /// for tags they may not grant alone: the GET shows the page that files nothing yet, and its "Ask an administrator"
    /// button is posted. Returns the waiting page's HTML (which reloads itself until an administrator decides).
    /// </summary>
    public static async Task<string> AskAnAdministratorAsync(HttpClient browser, Uri authorizeUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(authorizeUri);
        var ask = await browser.GetStringAsync(authorizeUri, cancellationToken);
        var form = HtmlForms.Parse(ask).FirstOrDefault(f => f.Inputs.Any(i => i is { Type: "submit", Name: "action", Value: AskAdministratorAction }))
            ?? throw new OAuthFlowException($"Expected the page with 'Ask an administrator' at {authorizeUri}: {HtmlForms.Snippet(ask)}", HttpStatusCode.OK, ask);
        using var content = new FormUrlEncodedContent(form.HiddenFields.Append(KeyValuePair.Create("action", AskAdministratorAction)));
        using var waiting = await browser.PostAsync(form.ResolveAction(authorizeUri), content, cancellationToken);
        var html = await waiting.Content.ReadAsStringAsync(cancellationToken);
        return waiting.StatusCode == HttpStatusCode.OK
            ? html
            : throw new OAuthFlowException($"Expected the waiting page after asking an administrator, got {(int)waiting.StatusCode}: {HtmlForms.Snippet(html)}", waiting.StatusCode, html);
    }

    /// <summary><see cref="AuthorizeAsync"/> with approval and the pre-checked (or the given) scopes.</summary>
    public Task<AuthorizationResult> SignInAndApproveAsync(
        string clientId,
        string redirectUri,
        IEnumerable<string> scopes,
        Pkce pkce,
        string userName,
        string password,
        string? resource = null,
        string? state = null,
        IEnumerable<string>? selectedScopes = null,
        CancellationToken cancellationToken = default) =>
        AuthorizeAsync(clientId, redirectUri, scopes, resource, state ?? Guid.NewGuid().ToString("N"), pkce, userName, password, ConsentDecision.Approve, selectedScopes, cancellationToken);

    /// <summary>
    /// The whole flow for a test that only needs a token: registers a public client, signs in as
    /// <paramref name="userName"/>, approves <paramref name="scopes"/> and exchanges the code.
    /// </summary>
    public async Task<string> AccessTokenAsync(string redirectUri, IEnumerable<string> scopes, string userName, string password)
    {
        var client = (await RegisterClientAsync([redirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await SignInAndApproveAsync(client, redirectUri, scopes, pkce, userName, password)).Redirect.Code!;
        var tokens = await ExchangeCodeAsync(client, code, redirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return tokens.AccessToken!;
    }

    /// <summary>grant_type=authorization_code at <c>{base}/token</c>.</summary>
    public Task<TokenResponse> ExchangeCodeAsync(
        string clientId,
        string code,
        string? redirectUri,
        string codeVerifier,
        string? resource = null,
        string? clientSecret = null,
        CancellationToken cancellationToken = default) =>
        PostFormAsync(TokenEndpoint, Fields(
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirectUri),
            ("code_verifier", codeVerifier),
            ("client_id", clientId),
            ("client_secret", clientSecret),
            ("resource", resource)), cancellationToken);

    /// <summary>grant_type=refresh_token at <c>{base}/token</c>.</summary>
    public Task<TokenResponse> RefreshAsync(
        string clientId,
        string refreshToken,
        string? scope = null,
        string? resource = null,
        string? clientSecret = null,
        CancellationToken cancellationToken = default) =>
        PostFormAsync(TokenEndpoint, Fields(
            ("grant_type", "refresh_token"),
            ("refresh_token", refreshToken),
            ("client_id", clientId),
            ("client_secret", clientSecret),
            ("scope", scope),
            ("resource", resource)), cancellationToken);

    /// <summary>RFC 7009 revocation at <c>{base}/revoke</c>.</summary>
    public Task<TokenResponse> RevokeAsync(
        string clientId,
        string token,
        string? clientSecret = null,
        string? tokenTypeHint = null,
        CancellationToken cancellationToken = default) =>
        PostFormAsync(RevokeEndpoint, Fields(
            ("token", token),
            ("token_type_hint", tokenTypeHint),
            ("client_id", clientId),
            ("client_secret", clientSecret)), cancellationToken);

    private Uri Endpoint(string relative) => new(_base, relative);

    private async Task<TokenResponse> PostFormAsync(Uri endpoint, List<KeyValuePair<string, string>> fields, CancellationToken cancellationToken)
    {
        using var http = _httpClientFactory();
        using var content = new FormUrlEncodedContent(fields);
        using var response = await http.PostAsync(endpoint, content, cancellationToken);
        return TokenResponse.From(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static List<KeyValuePair<string, string>> Fields(params (string Name, string? Value)[] fields) =>
        [.. fields.Where(f => f.Value is not null).Select(f => KeyValuePair.Create(f.Name, f.Value!))];

    private static HttpRequestMessage FormRequest(HtmlForm form, Uri pageUri, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var action = form.ResolveAction(pageUri);
        if (form.Method == "get")
        {
            var query = fields.Select(f => KeyValuePair.Create(f.Key, (string?)f.Value));
            return new HttpRequestMessage(HttpMethod.Get, QueryHelpers.AddQueryString(action.GetLeftPart(UriPartial.Path), query));
        }

        return new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) };
    }

    /// <summary>
    /// Sends the request and follows redirects by hand (as GETs) until a 200 page (or a 4xx page when
    /// <paramref name="acceptClientErrorPages"/>), or a redirect to the client's redirect URI, which is not fetched.
    /// </summary>
    private static async Task<Step> FollowAsync(
        HttpClient http, HttpRequestMessage first, string redirectUri, string stepName, CancellationToken cancellationToken, bool acceptClientErrorPages = false)
    {
        var request = first;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            var uri = request.RequestUri!;
            var method = request.Method;
            Uri target;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                var status = (int)response.StatusCode;
                if (status is < 300 or >= 400)
                {
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    return status == 200 || (acceptClientErrorPages && status is >= 400 and < 500)
                        ? new Step(uri, body, null, response.StatusCode)
                        : throw new OAuthFlowException($"{stepName}: {status} from {method} {uri}: {HtmlForms.Snippet(body)}", response.StatusCode, body);
                }

                var location = response.Headers.Location
                    ?? throw new OAuthFlowException($"{stepName}: {status} from {method} {uri} without a Location header.", response.StatusCode);
                target = location.IsAbsoluteUri ? location : new Uri(uri, location);
            }
            finally
            {
                request.Dispose();
            }

            if (IsRedirectUri(target, redirectUri))
            {
                return new Step(target, string.Empty, AuthorizationRedirect.Parse(target), HttpStatusCode.Redirect);
            }

            request = new HttpRequestMessage(HttpMethod.Get, target);
        }

        request.Dispose();
        throw new OAuthFlowException($"{stepName}: more than {MaxRedirects} redirects.");
    }

    private static bool IsRedirectUri(Uri target, string redirectUri) =>
        target.GetLeftPart(UriPartial.Path).Equals(new Uri(redirectUri).GetLeftPart(UriPartial.Path), StringComparison.Ordinal);

    private sealed record Step(Uri Uri, string Html, AuthorizationRedirect? Redirect, HttpStatusCode Status);
}
