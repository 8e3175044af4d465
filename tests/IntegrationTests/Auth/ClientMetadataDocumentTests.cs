using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OneMcp.Infrastructure.Identity.ClientIdMetadata;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Client ID Metadata Documents (MCP 2026-07-28): a client whose client_id is the URL of its metadata document, served
/// here by a loopback host (plain http, which the gateway accepts only because it runs on loopback itself).
/// </summary>
public sealed class ClientMetadataDocumentTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>, IAsyncLifetime
{
    // Never fetched: the driver captures the redirect to it without following it.
    private const string RedirectUri = "http://127.0.0.1:1/callback";

    private readonly DocumentHost _documents = new();
    private readonly OAuthFlowDriver _driver = new(fixture.Gateway.BaseUrl);
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };

    private string Issuer => fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";

    public Task InitializeAsync() => _documents.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _documents.DisposeAsync();
    }

    [Fact]
    public async Task ServerMetadata_SaysClientIdMetadataDocumentsAreSupported()
    {
        var document = (await _http.GetFromJsonAsync<JsonObject>("/.well-known/oauth-authorization-server"))!;

        document["client_id_metadata_document_supported"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task FullFlow_WithADocumentClient_ShowsItsNameAndHostAndIssuesTokensToThePublicClient()
    {
        var clientId = _documents.Serve("/clients/full.json", Document("/clients/full.json", "Doc App"));
        var pkce = Pkce.Create();

        var consent = await ConsentPageAsync(clientId, RedirectUri);
        consent.StatusCode.ShouldBe(HttpStatusCode.OK, consent.Body);
        consent.Body.ShouldContain("Doc App (127.0.0.1)");

        var result = await _driver.AuthorizeAsync(clientId, RedirectUri, ["tag:web", "offline_access"], null, "cimd", pkce, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        result.Redirect.Error.ShouldBeNull(result.Redirect.ErrorDescription);
        result.Redirect.State.ShouldBe("cimd");
        result.Redirect.Iss.ShouldBe(Issuer);

        var tokens = await _driver.ExchangeCodeAsync(clientId, result.Redirect.Code!, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        tokens.AccessToken.ShouldNotBeNullOrEmpty();
        tokens.RefreshToken.ShouldNotBeNullOrEmpty();
        (await _driver.RefreshAsync(clientId, tokens.RefreshToken!)).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task Token_ForADocumentClient_WithoutTheVerifier_IsRefused()
    {
        var clientId = _documents.Serve("/clients/pkce.json", Document("/clients/pkce.json", "Pkce App"));
        var pkce = Pkce.Create();
        var result = await _driver.AuthorizeAsync(clientId, RedirectUri, ["tag:web"], null, "p", pkce, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        var tokens = await _driver.ExchangeCodeAsync(clientId, result.Redirect.Code!, RedirectUri, Pkce.Create().Verifier);

        tokens.IsSuccess.ShouldBeFalse();
        tokens.Error.ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task Document_WithCacheControl_IsFetchedOnceWhileFresh_AndWithoutIt_EveryTime()
    {
        var cached = _documents.Serve("/clients/cached.json", Document("/clients/cached.json", "Cached"), cacheControl: "max-age=300");
        var uncached = _documents.Serve("/clients/uncached.json", Document("/clients/uncached.json", "Uncached"), cacheControl: "no-store");

        for (var i = 0; i < 2; i++)
        {
            (await AuthorizeAnonymouslyAsync(cached, RedirectUri)).StatusCode.ShouldBe(HttpStatusCode.Found);
            (await AuthorizeAnonymouslyAsync(uncached, RedirectUri)).StatusCode.ShouldBe(HttpStatusCode.Found);
        }

        _documents.Fetches("/clients/cached.json").ShouldBe(1);
        _documents.Fetches("/clients/uncached.json").ShouldBe(2);
    }

    [Fact]
    public async Task Document_WhoseClientIdIsAnotherUrl_IsRefusedWithInvalidRequest()
    {
        var clientId = _documents.Serve("/clients/mismatch.json", Document("/clients/someone-else.json", "Impostor"));

        var error = await AuthorizeErrorAsync(clientId, RedirectUri);

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("not the URL it was fetched from");
    }

    [Fact]
    public async Task RedirectUri_NotListedInTheDocument_IsRefusedWithoutRedirecting()
    {
        var clientId = _documents.Serve("/clients/listed.json", Document("/clients/listed.json", "Listed"));

        var error = await AuthorizeErrorAsync(clientId, "https://evil.example.com/callback");

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("redirect_uri");
    }

    [Fact]
    public async Task Document_LargerThanTheLimit_IsRefusedWithInvalidRequest()
    {
        var document = Document("/clients/large.json", "Large");
        document["padding"] = new string('x', ClientMetadataFetcher.MaxBytes);
        var clientId = _documents.Serve("/clients/large.json", document);

        var error = await AuthorizeErrorAsync(clientId, RedirectUri);

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("larger than 64 KiB");
    }

    [Fact]
    public async Task Document_ThatIsMissing_IsRefusedWithInvalidRequest()
    {
        var error = await AuthorizeErrorAsync(_documents.Url("/clients/nobody.json"), RedirectUri);

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("HTTP 404");
    }

    [Fact]
    public async Task ClientId_OverPlainHttpToAnotherHost_IsRefusedWithoutAFetch()
    {
        var error = await AuthorizeErrorAsync("http://clients.example.com/app.json", RedirectUri);

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("must use https");
    }

    [Fact]
    public async Task Fetcher_WhenTheGatewayIsNotOnLoopback_RefusesALoopbackHost()
    {
        var clientId = _documents.Serve("/clients/internal.json", Document("/clients/internal.json", "Internal"));
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ClientMetadataFetcher>();
        ClientMetadataFetcher.AddHttpClient(services, _ => false);
        await using var provider = services.BuildServiceProvider();

        var (body, _, problem) = await provider.GetRequiredService<ClientMetadataFetcher>().FetchAsync(new Uri(clientId), CancellationToken.None);

        body.ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain("private, loopback or otherwise internal addresses");
        _documents.Fetches("/clients/internal.json").ShouldBe(0);
    }

    private JsonObject Document(string path, string name) => new()
    {
        ["client_id"] = _documents.Url(path),
        ["client_name"] = name,
        ["redirect_uris"] = new JsonArray(RedirectUri),
        ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
        ["response_types"] = new JsonArray("code"),
        ["token_endpoint_auth_method"] = "none",
    };

    private Task<HttpResponseMessage> AuthorizeAnonymouslyAsync(string clientId, string redirectUri) =>
        _http.GetAsync(_driver.BuildAuthorizeUri(clientId, redirectUri, ["tag:web"], "s", Pkce.Create()));

    // Errors found before the redirect URI is trusted are answered on the page, never redirected.
    private async Task<string> AuthorizeErrorAsync(string clientId, string redirectUri)
    {
        using var response = await AuthorizeAnonymouslyAsync(clientId, redirectUri);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Headers.Location.ShouldBeNull();
        return body;
    }

    // Signs in with a cookie-keeping client and returns the consent page.
    private async Task<(HttpStatusCode StatusCode, string Body)> ConsentPageAsync(string clientId, string redirectUri)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", AuthGatewayFixture.Admin), KeyValuePair.Create("password", AuthGatewayFixture.AdminPassword), KeyValuePair.Create("returnUrl", "/")]));
        login.StatusCode.ShouldBe(HttpStatusCode.Found);
        using var page = await http.GetAsync(_driver.BuildAuthorizeUri(clientId, redirectUri, ["tag:web"], "st", Pkce.Create()));
        return (page.StatusCode, await page.Content.ReadAsStringAsync());
    }

    /// <summary>Serves metadata documents on a loopback port and counts how often each is fetched.</summary>
    private sealed class DocumentHost : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, (string Body, string? CacheControl)> _documents = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _fetches = new(StringComparer.Ordinal);
        private WebApplication? _app;
        private Uri? _base;

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.Run(async context =>
            {
                var path = context.Request.Path.Value ?? string.Empty;
                _fetches.AddOrUpdate(path, 1, (_, n) => n + 1);
                if (!_documents.TryGetValue(path, out var document))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                if (document.CacheControl is not null)
                {
                    context.Response.Headers.CacheControl = document.CacheControl;
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(document.Body);
            });
            await _app.StartAsync();
            _base = new Uri(_app.Urls.First());
        }

        public string Url(string path) => new Uri(_base!, path).AbsoluteUri;

        /// <summary>Serves <paramref name="document"/> at <paramref name="path"/> and returns its URL.</summary>
        public string Serve(string path, JsonObject document, string? cacheControl = null)
        {
            _documents[path] = (document.ToJsonString(), cacheControl);
            return Url(path);
        }

        public int Fetches(string path) => _fetches.TryGetValue(path, out var n) ? n : 0;

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
