using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using OneMcp.IntegrationTests.Auth;
using OneMcp.IntegrationTests.Support.Browser;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// A browser-based OAuth client (as the MCP Inspector is) in a real Chromium: its page, served from another 127.0.0.1
/// port, discovers the gateway's authorization server, registers and calls the token endpoint with <c>fetch</c>,
/// and Chromium's own CORS checks let it read every answer; the REST API stays closed to that page (ADR 0046).
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class CrossOriginOAuthBrowserTests(BrowserFixture browser, AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    // What a browser client does first: discovery (with the header MCP clients send), registration, a token request.
    private const string ClientScript = """
        async (gateway) => {
          const resource = await (await fetch(gateway + '/.well-known/oauth-protected-resource/mcp', { headers: { 'MCP-Protocol-Version': '2025-06-18' } })).json();
          const metadata = await (await fetch(resource.authorization_servers[0] + '.well-known/oauth-authorization-server', { headers: { 'MCP-Protocol-Version': '2025-06-18' } })).json();
          const registration = await fetch(metadata.registration_endpoint, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ redirect_uris: [location.origin + '/callback'], token_endpoint_auth_method: 'none', client_name: 'Page client' }),
          });
          const client = await registration.json();
          const token = await fetch(metadata.token_endpoint, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'authorization_code', client_id: client.client_id, code: 'not-a-code', code_verifier: 'v'.repeat(43), redirect_uri: location.origin + '/callback' }),
          });
          const tokenError = (await token.json()).error;
          let api = 'read';
          try { await fetch(gateway + '/api/session'); } catch { api = 'blocked'; }
          return { issuer: metadata.issuer, registered: registration.status, clientId: client.client_id, tokenStatus: token.status, tokenError, api };
        }
        """;

    [Fact]
    public async Task PageOnAnotherOrigin_DiscoversRegistersAndReadsTheTokenAnswer_ButNotTheApi()
    {
        await using var site = await ClientSite.StartAsync();
        var gateway = fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/');
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(site.Url.AbsoluteUri, new() { Timeout = BrowserTimeouts.NavigationMs });

            var result = await page.EvaluateAsync<JsonElement>(ClientScript, gateway);

            new Uri(page.Url).Port.ShouldNotBe(fixture.Gateway.BaseUrl.Port);
            result.GetProperty("issuer").GetString().ShouldBe(gateway + "/");
            result.GetProperty("registered").GetInt32().ShouldBe(201);
            result.GetProperty("clientId").GetString().ShouldNotBeNullOrEmpty();
            result.GetProperty("tokenStatus").GetInt32().ShouldBeInRange(400, 401);
            result.GetProperty("tokenError").GetString().ShouldNotBeNullOrEmpty();
            result.GetProperty("api").GetString().ShouldBe("blocked");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>The browser client's own site: one empty page on a loopback port of its own.</summary>
    private sealed class ClientSite(WebApplication app) : IAsyncDisposable
    {
        public Uri Url { get; } = new(app.Urls.First());

        public static async Task<ClientSite> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(context => context.Response.WriteAsync("<!doctype html><title>A browser-based OAuth client</title><p>client</p>"));
            await app.StartAsync();
            return new ClientSite(app);
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
