using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Support.Oidc;

/// <summary>
/// What the provider sent the browser back to the client with: <see cref="RedirectUri"/> is the client's redirect URI
/// with the authorization response in its query (<c>code</c>, <c>state</c>, <c>iss</c>, or <c>error</c>...). When the
/// provider answered with an auto-submitting form instead (<c>response_mode=form_post</c>), <see cref="IsFormPost"/>
/// is true and the form's fields are in the same query, to be POSTed as a form body.
/// </summary>
public sealed record OidcAuthorizationResponse(Uri RedirectUri, bool IsFormPost, bool SignedIn, IReadOnlyList<Uri> Steps)
{
    public string? Code => Parameter("code");

    public string? State => Parameter("state");

    public string? Iss => Parameter("iss");

    public string? Error => Parameter("error");

    public string? ErrorDescription => Parameter("error_description");

    public string? Parameter(string name) =>
        QueryHelpers.ParseQuery(RedirectUri.Query).TryGetValue(name, out var value) ? value.ToString() : null;
}

/// <summary>The gateway's answer to the callback, and how the flow got there.</summary>
/// <param name="StatusCode">The callback response's status.</param>
/// <param name="Location">Its <c>Location</c> header resolved against the callback URL, or null.</param>
/// <param name="Body">Its body.</param>
/// <param name="Headers">Its headers (for <c>Set-Cookie</c> and such).</param>
/// <param name="AuthorizationRequest">The authorization request as sent to the provider (after <c>tamperAuthorizationRequest</c>).</param>
/// <param name="ProviderResponse">What the provider sent back, before <c>tamperCallback</c>.</param>
/// <param name="Callback">The callback URL as sent to the gateway (after <c>tamperCallback</c>).</param>
public sealed record OidcSignInResult(
    HttpStatusCode StatusCode,
    Uri? Location,
    string Body,
    HttpResponseHeaders Headers,
    Uri AuthorizationRequest,
    OidcAuthorizationResponse ProviderResponse,
    Uri Callback);

/// <summary>
/// Drives a browser-less sign-in through <see cref="OidcProviderProcess"/> over plain HTTP.
/// <para>
/// <see cref="SignInAsync"/> is the whole gateway flow: <c>GET &lt;gateway&gt;/login/oidc?returnUrl=...</c> must redirect
/// to the provider's authorization endpoint; the provider's side runs as in <see cref="AuthorizeAsync"/>; the
/// provider's redirect back (<c>/signin-oidc?code=...&amp;state=...&amp;iss=...</c>) is then requested from the gateway
/// with the gateway's client (its cookie container carries the gateway's correlation cookies), and the gateway's answer
/// is returned, not followed.
/// </para>
/// <para>
/// <see cref="AuthorizeAsync"/> is the provider's side alone, from any authorization request URL: it follows the
/// provider's redirects to its sign-in page, posts the user name (one post signs in and consents), and follows the
/// redirects until one leaves the provider: that is the authorization response. Every call is a new browser at the
/// provider (its own cookie container, no provider session carried over), so the given user name is the one signed in.
/// </para>
/// </summary>
public sealed class OidcSignInDriver(OidcProviderProcess provider)
{
    /// <summary>The gateway's path that starts a sign-in at the provider.</summary>
    public const string LoginPath = "/login/oidc";

    /// <summary>The gateway's redirect URI path.</summary>
    public const string CallbackPath = "/signin-oidc";

    /// <summary>The sign-in form's field.</summary>
    public const string UsernameField = "username";

    private const int MaxSteps = 20;

    public OidcProviderProcess Provider { get; } = provider;

    /// <summary>Signs <paramref name="username"/> in to the gateway at <paramref name="gatewayBaseUrl"/> through the provider.</summary>
    /// <param name="gatewayBaseUrl">The gateway's root (scheme, host, port).</param>
    /// <param name="gateway">The gateway's client: no automatic redirects, and a <see cref="CookieContainer"/> to carry the gateway's cookies from the start to the callback.</param>
    /// <param name="username">An account of the provider (its id).</param>
    /// <param name="returnUrl">The <c>returnUrl</c> given to <c>/login/oidc</c>.</param>
    /// <param name="tamperAuthorizationRequest">Rewrites the authorization request before the provider sees it (e.g. another nonce).</param>
    /// <param name="tamperCallback">Rewrites the provider's redirect back before the gateway sees it (e.g. another state or iss).</param>
    /// <param name="cancellationToken">Cancels the flow.</param>
    public async Task<OidcSignInResult> SignInAsync(
        Uri gatewayBaseUrl,
        HttpClient gateway,
        string username,
        string returnUrl = "/",
        Func<Uri, Uri>? tamperAuthorizationRequest = null,
        Func<Uri, Uri>? tamperCallback = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gatewayBaseUrl);
        ArgumentNullException.ThrowIfNull(gateway);

        var login = new Uri(gatewayBaseUrl, LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Uri authorizationRequest;
        using (var started = await gateway.GetAsync(login, cancellationToken))
        {
            if (!IsRedirect(started.StatusCode) || started.Headers.Location is null)
            {
                throw new InvalidOperationException(
                    $"GET {login} answered {(int)started.StatusCode} instead of redirecting to the provider: {HtmlForms.Snippet(await started.Content.ReadAsStringAsync(cancellationToken))}");
            }

            authorizationRequest = new Uri(login, started.Headers.Location);
        }

        if (!SameOrigin(authorizationRequest, Provider.Issuer))
        {
            throw new InvalidOperationException($"GET {login} redirected to {authorizationRequest}, not to the provider at {Provider.IssuerString}.");
        }

        if (tamperAuthorizationRequest is not null)
        {
            authorizationRequest = tamperAuthorizationRequest(authorizationRequest);
        }

        var providerResponse = await AuthorizeAsync(authorizationRequest, username, cancellationToken);
        var callback = tamperCallback is null ? providerResponse.RedirectUri : tamperCallback(providerResponse.RedirectUri);

        using var request = providerResponse.IsFormPost
            ? new HttpRequestMessage(HttpMethod.Post, callback.GetLeftPart(UriPartial.Path))
            {
                Content = new FormUrlEncodedContent(
                    QueryHelpers.ParseQuery(callback.Query).Select(p => KeyValuePair.Create(p.Key, p.Value.ToString()))),
            }
            : new HttpRequestMessage(HttpMethod.Get, callback);
        using var response = await gateway.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var location = response.Headers.Location is null ? null : new Uri(callback, response.Headers.Location);
        return new OidcSignInResult(response.StatusCode, location, body, response.Headers, authorizationRequest, providerResponse, callback);
    }

    /// <summary>
    /// The provider's side of the flow from <paramref name="authorizationRequest"/> (any authorization request URL at the
    /// provider): signs <paramref name="username"/> in on the provider's page and returns where the provider sends the
    /// browser back to. Throws when the provider answers something else (an error page, an unknown user).
    /// </summary>
    public async Task<OidcAuthorizationResponse> AuthorizeAsync(Uri authorizationRequest, string username, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorizationRequest);
        ArgumentException.ThrowIfNullOrEmpty(username);

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true };
        using var browser = new HttpClient(handler);
        var steps = new List<Uri>();
        var signedIn = false;
        using var first = new HttpRequestMessage(HttpMethod.Get, authorizationRequest);
        var request = first;

        while (steps.Count < MaxSteps)
        {
            var url = request.RequestUri!;
            steps.Add(url);
            using var response = await browser.SendAsync(request, cancellationToken);
            if (!ReferenceEquals(request, first))
            {
                request.Dispose();
            }

            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } next)
            {
                var target = new Uri(url, next);
                if (!SameOrigin(target, Provider.Issuer))
                {
                    return new OidcAuthorizationResponse(target, IsFormPost: false, signedIn, steps);
                }

                request = new HttpRequestMessage(HttpMethod.Get, target);
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"The provider answered {(int)response.StatusCode} at {url}: {HtmlForms.Snippet(body)}\n{Provider.Describe()}");
            }

            var forms = HtmlForms.Parse(body);
            if (forms.FirstOrDefault(f => !SameOrigin(f.ResolveAction(url), Provider.Issuer)) is { } formPost)
            {
                // response_mode=form_post: the page submits the authorization response to the client by itself.
                var fields = formPost.Inputs
                    .Where(i => i.Type == "hidden" && !string.IsNullOrEmpty(i.Name))
                    .ToDictionary(i => i.Name!, string? (i) => i.Value);
                return new OidcAuthorizationResponse(
                    new Uri(QueryHelpers.AddQueryString(formPost.ResolveAction(url).AbsoluteUri, fields)), IsFormPost: true, signedIn, steps);
            }

            var login = forms.FirstOrDefault(f => f.HasInput(UsernameField))
                ?? throw new InvalidOperationException($"The provider's page at {url} has no sign-in form: {HtmlForms.Snippet(body)}");
            if (signedIn)
            {
                throw new InvalidOperationException($"The provider did not sign '{username}' in (is it in its accounts file?): {HtmlForms.Snippet(body)}");
            }

            signedIn = true;
            request = new HttpRequestMessage(HttpMethod.Post, login.ResolveAction(url))
            {
                Content = new FormUrlEncodedContent([KeyValuePair.Create(UsernameField, username)]),
            };
        }

        throw new InvalidOperationException($"The provider did not send the browser back within {MaxSteps} requests: {string.Join(" -> ", steps)}");
    }

    /// <summary>Builds an authorization request to the provider for its client (code flow, S256).</summary>
    public Uri BuildAuthorizationRequest(Uri redirectUri, string state, string nonce, Pkce pkce, string scope = "openid profile email")
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        ArgumentNullException.ThrowIfNull(pkce);
        return new Uri(QueryHelpers.AddQueryString(Provider.AuthorizationEndpoint.AbsoluteUri, new Dictionary<string, string?>
        {
            ["client_id"] = Provider.ClientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri.OriginalString,
            ["scope"] = scope,
            ["state"] = state,
            ["nonce"] = nonce,
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = Pkce.Method,
        }));
    }

    /// <summary>Returns <paramref name="url"/> with query parameter <paramref name="name"/> set to <paramref name="value"/> (removed when null).</summary>
    public static Uri WithQueryParameter(Uri url, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(url);
        var query = QueryHelpers.ParseQuery(url.Query)
            .Where(p => p.Key != name)
            .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString()))
            .ToList();
        if (value is not null)
        {
            query.Add(KeyValuePair.Create(name, (string?)value));
        }

        return new Uri(QueryHelpers.AddQueryString(url.GetLeftPart(UriPartial.Path), query));
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.GetLeftPart(UriPartial.Authority), b.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
}
