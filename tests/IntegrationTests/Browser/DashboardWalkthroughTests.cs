using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using OneMcp.IntegrationTests.Support.OAuth;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The user's "Authorization Walkthrough" (seed authentication.md) in a real Chromium against a real gateway with
/// <c>--enable-auth</c> and a real OAuth-protected backend (the test server with <c>--require-oauth</c>): sign in,
/// Awaiting OAuth, Authorize, the backend's consent page, Approve (or Deny) in the dashboard, Connected (with its OAuth marker) and the
/// backend's tools reaching an MCP client; and Restart OAuth. Each test has its own gateway (they change the
/// same backend's OAuth state).
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardWalkthroughTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string McpRedirect = "http://127.0.0.1:46031/cb";
    private HttpTestServer _vault = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _vault = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth"]);
        _gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("vault", ConfigBuilder.HttpServer(_vault.McpUrl, ["secure"]))
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])));
        await _gateway.AddUserAsync(Walkthrough.Admin, Walkthrough.AdminPassword, "admin");
        await _gateway.AddUserAsync(Walkthrough.Member, Walkthrough.MemberPassword, "member");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _vault.DisposeAsync();
    }

    [Fact]
    public async Task TheSixSteps_SignInAuthorizeConsentApprove_MakeTheBackendAuthorizedAndItsToolsReachAClient()
    {
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            // (1) Navigate to the dashboard: the browser signs in first, then lands on /oauth.
            await page.GotoAsync(_gateway.Url("/oauth").ToString());
            new Uri(page.Url).AbsolutePath.ShouldBe("/login");
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-1-login");
            await Walkthrough.SubmitSignInAsync(page, Walkthrough.Admin, Walkthrough.AdminPassword);
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/oauth");

            // (2) Identify pending services: vault is Awaiting OAuth (the stdio backend simply Connected).
            var vault = Walkthrough.Row(page, "vault");
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Awaiting OAuth", Walkthrough.Long);
            await Expect(vault).ToContainTextAsync("Needs authorization");
            await Expect(Walkthrough.Row(page, "alpha").Locator(".status")).ToHaveTextAsync("Connected", Walkthrough.Long);
            await Expect(Walkthrough.Row(page, "alpha").Locator(".revision")).ToHaveTextAsync("MCP 2026-07-28");
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-2-dashboard");

            // (3) Initiate authorization: the browser goes to the backend's own authorization page.
            await vault.GetByRole(AriaRole.Button, new() { Name = "Authorize", Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => url.StartsWith(_vault.BaseUrl.AbsoluteUri, StringComparison.Ordinal), Walkthrough.LongNavigation);
            (await page.TitleAsync()).ShouldStartWith("Test backend");
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-3-backend-consent");

            // (4) Grant consent: back in the dashboard, with the approval prompt.
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/oauth" && url.Contains("request=", StringComparison.Ordinal), Walkthrough.LongNavigation);
            var requestId = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(page.Url).Query)["request"].ToString();
            requestId.ShouldNotBeNullOrEmpty();

            // (5) Approve in the dashboard: the prompt names the backend.
            var prompt = page.Locator($"[data-request=\"{requestId}\"]");
            await Expect(prompt.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Approve the connection of vault?", Walkthrough.Long);
            await Expect(prompt).ToContainTextAsync($"Authorized by {Walkthrough.Admin}");
            // Who started it, which backend, what the backend's token carries and when: the approver sees what the team gets.
            await Expect(prompt.Locator("[data-fact=requester]")).ToHaveTextAsync(Walkthrough.Admin, new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(prompt.Locator("[data-fact=backend]")).ToHaveTextAsync("vault");
            await Expect(prompt.Locator("[data-fact=scopes]")).ToContainTextAsync("mcp:read");
            await Expect(prompt.Locator("[data-fact=created] time")).ToHaveAttributeAsync("datetime", new System.Text.RegularExpressions.Regex("^\\d{4}-"));
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-4-approval-prompt");
            using (var admin = await DashboardClient.SignInAsync(_gateway.BaseUrl, Walkthrough.Admin, Walkthrough.AdminPassword))
            {
                // Parsed case-sensitively: the dashboard reads runtime.oauth exactly so.
                var waiting = JsonNode.Parse(await admin.GetStringAsync("/api/backends/vault"))!;
                waiting["runtime"]!["status"]!.GetValue<string>().ShouldBe("awaitingOAuth");
                waiting["runtime"]!["oauth"]!["pendingRequestId"]!.GetValue<string>().ShouldBe(requestId);
            }

            await prompt.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await Expect(page.Locator("#note[role=status]")).ToContainTextAsync("Approved: vault connects now.", Walkthrough.LongContain);
            await Expect(prompt).ToHaveCountAsync(0);
            new Uri(page.Url).Query.ShouldBeEmpty();

            // (6) Verify the connection: Connected with the OAuth marker beside it, and its tools reach a client.
            await page.GetByRole(AriaRole.Link, new() { Name = "Backends", Exact = true }).ClickAsync();
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Connected", Walkthrough.Long);
            await Expect(vault.Locator(".oauth-marker")).ToBeVisibleAsync();
            await Expect(vault.Locator(".oauth-marker")).ToHaveTextAsync("OAuth");
            await Expect(vault.Locator(".tools .cell")).Not.ToHaveTextAsync("0", Walkthrough.Long);
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-5-authorized");

            await using var client = await Walkthrough.ConnectAsAdminAsync(_gateway, McpRedirect);
            var tools = await Eventually.ValueAsync(async () => await client.ListToolsAsync(), t => t.Any(x => x.Name == "vault_1mcp_echo"), "vault's tools at the gateway");
            tools.ShouldContain(t => t.Name == "vault_1mcp_echo");
            (await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "after the walkthrough" })).IsError.ShouldNotBe(true);
            var stored = await _gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);
            stored.Credentials.Tokens.ShouldNotBeNull();

            // The Users view (admins only) lists every account and how each signs in: a user of the identity provider
            // (here written straight to the store, as a first sign-in there would) shows its groups and has no password to reset.
            await _gateway.Services.GetRequiredService<IUserRepository>().AddAsync(
                User.CreateFromProvider("carol", "https://idp.example#carol", ["sre", "Domain Users"], UserRole.Member, DateTimeOffset.UtcNow), CancellationToken.None);
            await page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
            await Expect(page.Locator($"[data-user=\"{Walkthrough.Admin}\"] select.role")).ToHaveValueAsync("admin", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(page.Locator($"[data-user=\"{Walkthrough.Member}\"] select.role")).ToHaveValueAsync("member", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Signs in with" })).ToBeVisibleAsync();
            var ada = page.Locator($"[data-user=\"{Walkthrough.Admin}\"]");
            var carol = page.Locator("[data-user=\"carol\"]");
            await Expect(ada.Locator(".source")).ToHaveTextAsync("password");
            await Expect(ada.Locator(".groups .chip")).ToHaveCountAsync(0);
            await Expect(ada.GetByRole(AriaRole.Button, new() { Name = "Reset password", Exact = true })).ToBeVisibleAsync();
            await Expect(carol.Locator(".source")).ToHaveTextAsync("identity provider", Walkthrough.Long);
            await Expect(carol.Locator(".groups .chip")).ToHaveTextAsync(["Domain Users", "sre"]);
            await Expect(carol.GetByRole(AriaRole.Button, new() { Name = "Reset password", Exact = true })).ToHaveCountAsync(0);
            await Expect(carol.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true })).ToBeVisibleAsync();
            await Expect(carol.Locator("select.role")).ToHaveValueAsync("member");
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-6-users");

            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task DenyInThePrompt_LeavesTheBackendAwaitingOAuth_AndTheGatewayKeepsNoTokens()
    {
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            await Walkthrough.SignInToDashboardAsync(page, _gateway, Walkthrough.Admin, Walkthrough.AdminPassword);
            var vault = Walkthrough.Row(page, "vault");
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Awaiting OAuth", Walkthrough.Long);
            await vault.GetByRole(AriaRole.Button, new() { Name = "Authorize", Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => url.StartsWith(_vault.BaseUrl.AbsoluteUri, StringComparison.Ordinal), Walkthrough.LongNavigation);
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/oauth" && url.Contains("request=", StringComparison.Ordinal), Walkthrough.LongNavigation);

            var prompt = page.Locator("#callback [data-request]");
            await Expect(prompt.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Approve the connection of vault?", Walkthrough.Long);
            await prompt.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();
            await Expect(page.Locator("#note[role=status]")).ToContainTextAsync("Denied: the connection of vault was refused.", Walkthrough.LongContain);
            await Expect(prompt).ToHaveCountAsync(0);
            await Expect(page.Locator("[data-request]")).ToHaveCountAsync(0, new() { Timeout = BrowserTimeouts.ExpectMs });

            await page.GetByRole(AriaRole.Link, new() { Name = "Backends", Exact = true }).ClickAsync();
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Awaiting OAuth", Walkthrough.Long);
            await Expect(vault).ToContainTextAsync("Needs authorization", Walkthrough.LongContain);
            await Expect(vault.GetByRole(AriaRole.Button, new() { Name = "Authorize", Exact = true })).ToBeVisibleAsync();

            // Two refreshes later it is still so (nothing connects in the background).
            await Walkthrough.RefreshesAsync(page, 3);
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Awaiting OAuth");
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-deny-awaiting");

            var stored = await _gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);
            stored.Credentials.Tokens.ShouldBeNull();
            using var admin = await DashboardClient.SignInAsync(_gateway.BaseUrl, Walkthrough.Admin, Walkthrough.AdminPassword);
            var after = (await admin.GetFromJsonAsync<JsonObject>("/api/backends/vault"))!;
            after["runtime"]!["status"]!.GetValue<string>().ShouldBe("awaitingOAuth");
            after["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>().ShouldBeFalse();
            after["runtime"]!["oauth"]!["pendingRequestId"].ShouldBeNull();
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task RestartOAuth_OnAnAuthorizedBackend_SendsItBackToAwaitingOAuth_AndDiscardsTheCredentials()
    {
        // Connected through OAuth first, through the REST API (the browser path is the six-step test's).
        using (var admin = await DashboardClient.SignInAsync(_gateway.BaseUrl, Walkthrough.Admin, Walkthrough.AdminPassword))
        {
            await Walkthrough.AuthorizeAndApproveThroughApiAsync(admin, "vault");
        }

        var credentials = _gateway.Services.GetRequiredService<BackendCredentialStore>();
        (await credentials.LoadAsync(ServerName.From("vault"), CancellationToken.None)).Credentials.Tokens.ShouldNotBeNull();
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            await Walkthrough.SignInToDashboardAsync(page, _gateway, Walkthrough.Admin, Walkthrough.AdminPassword);
            var vault = Walkthrough.Row(page, "vault");
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Connected", Walkthrough.Long);
            await Expect(vault.Locator(".oauth-marker")).ToBeVisibleAsync();
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-restart-1-authorized");

            await vault.GetByRole(AriaRole.Button, new() { Name = "Restart OAuth", Exact = true }).ClickAsync();
            await Expect(page.Locator("#note[role=status]")).ToContainTextAsync("vault: stored OAuth credentials discarded", Walkthrough.LongContain);
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Awaiting OAuth", Walkthrough.Long);
            await Expect(vault.Locator(".oauth-marker")).ToBeHiddenAsync();
            await Expect(vault.GetByRole(AriaRole.Button, new() { Name = "Authorize", Exact = true })).ToBeVisibleAsync(Walkthrough.LongVisible);
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-restart-2-awaiting");

            var stored = await credentials.LoadAsync(ServerName.From("vault"), CancellationToken.None);
            stored.Credentials.IsEmpty.ShouldBeTrue();
            stored.Credentials.Tokens.ShouldBeNull();
            await using var client = await Walkthrough.ConnectAsAdminAsync(_gateway, McpRedirect);
            (await client.ListToolsAsync()).ShouldNotContain(t => t.Name.StartsWith("vault_", StringComparison.Ordinal));
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}

/// <summary>What the dashboard walkthrough tests share: users, timeouts, sign-in, rows, tokens.</summary>
internal static partial class Walkthrough
{
    public const string Admin = "ada";
    public const string AdminPassword = "correct horse battery staple";
    public const string Member = "bob";
    public const string MemberPassword = "tr0ub4dor&3 is long enough";

    public static readonly LocatorAssertionsToHaveTextOptions Long = new() { Timeout = BrowserTimeouts.ExpectMs };

    /// <summary>
    /// Waits until the dashboard has fetched the backends <paramref name="times"/> more times (its in-place refresh,
    /// every 3 s): what a refresh would change has then had its chance to change, with no fixed sleep.
    /// </summary>
    public static async Task RefreshesAsync(IPage page, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await page.WaitForResponseAsync(
                r => r.Request.Method == "GET" && new Uri(r.Url).AbsolutePath == "/api/backends",
                new() { Timeout = BrowserTimeouts.ExpectMs });
        }
    }

    public static readonly LocatorAssertionsToBeVisibleOptions LongVisible = new() { Timeout = BrowserTimeouts.ExpectMs };

    public static readonly PageWaitForURLOptions LongNavigation = new() { Timeout = BrowserTimeouts.NavigationMs };

    public static LocatorAssertionsToContainTextOptions LongContain => new() { Timeout = BrowserTimeouts.ExpectMs };

    public static async Task<IPage> NewPageAsync(BrowserFixture browser)
    {
        var page = await browser.NewPageAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
        page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);

        // Remove and Revoke ask window.confirm first; Playwright would dismiss it.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        return page;
    }

    public static ILocator Row(IPage page, string backend) => page.Locator($"tr[data-backend=\"{backend}\"]");

    /// <summary>Fills and submits the gateway's sign-in page the browser is on.</summary>
    public static async Task SubmitSignInAsync(IPage page, string userName, string password)
    {
        await page.FillAsync("input[name=username]", userName);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>Opens /oauth, signs in on the login page it sends to, and waits for the dashboard.</summary>
    public static async Task SignInToDashboardAsync(IPage page, GatewayUnderTest gateway, string userName, string password)
    {
        await page.GotoAsync(gateway.Url("/oauth").ToString());
        new Uri(page.Url).AbsolutePath.ShouldBe("/login");
        await SubmitSignInAsync(page, userName, password);
        try
        {
            // Arriving at /oauth is the sign-in's result; the header below proves the dashboard rendered. The page's
            // load event is not waited for: on a loaded machine it once came later than the navigation timeout
            // while the dashboard was already showing. (WaitForURLAsync waits for it whenever the URL already
            // matches, whatever WaitUntil says, so the URL is polled instead.)
            await Expect(page).ToHaveURLAsync(DashboardUrl(), new() { Timeout = BrowserTimeouts.NavigationMs });
        }
        catch (PlaywrightException e)
        {
            await BrowserFixture.SaveScreenshotAsync(page, $"walkthrough-signin-timeout-{userName}");
            throw new TimeoutException($"Signed in as {userName}, the browser stayed at {page.Url}: {await page.InnerTextAsync("body")}", e);
        }

        await Expect(page.Locator("header .user")).ToHaveTextAsync(userName, Long);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[^?#]*/oauth([?#].*)?$")]
    private static partial System.Text.RegularExpressions.Regex DashboardUrl();

    /// <summary>Script errors and Content-Security-Policy violations of the dashboard's pages.</summary>
    public static List<string> WatchForScriptErrors(IPage page)
    {
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("CSP: " + message.Text);
            }
        };
        return problems;
    }

    /// <summary>An access token of the gateway for <see cref="Admin"/> (a fresh client, every tag pre-checked).</summary>
    public static async Task<(string ClientId, Support.OAuth.TokenResponse Tokens)> AdminTokenAsync(GatewayUnderTest gateway, string redirectUri, string? clientName = null, IReadOnlyList<string>? scopes = null)
    {
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([redirectUri], clientName: clientName)).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, redirectUri, scopes ?? [], pkce, Admin, AdminPassword, selectedScopes: scopes)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, redirectUri, pkce.Verifier);
        tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
        return (client, tokens);
    }

    public static async Task<McpClient> ConnectAsAdminAsync(GatewayUnderTest gateway, string redirectUri) =>
        await ConnectAsync(gateway, (await AdminTokenAsync(gateway, redirectUri)).Tokens.AccessToken!);

    public static Task<McpClient> ConnectAsync(GatewayUnderTest gateway, string accessToken) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = gateway.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {accessToken}" },
        }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });

    /// <summary>Authorize, the backend's consent (Allow), the callback and Approve, all through HTTP.</summary>
    public static async Task AuthorizeAndApproveThroughApiAsync(HttpClient admin, string backend)
    {
        using var authorize = await admin.PostAsync($"/api/backends/{backend}/oauth/authorize", content: null);
        var body = await authorize.Content.ReadAsStringAsync();
        authorize.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var consent = await TestBackendConsent.DecideAsync(new Uri(JsonNode.Parse(body)!["redirectUrl"]!.GetValue<string>()), allow: true);
        using var callback = await admin.GetAsync(consent.Redirect.Location);
        var location = callback.Headers.Location?.OriginalString ?? string.Empty;
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), location).Query);
        query.TryGetValue("request", out var requestId).ShouldBeTrue($"expected a redirect to the dashboard with the request, got {(int)callback.StatusCode} {location}");
        using var approve = await admin.PostAsync($"/api/authorization-requests/{requestId}/approve", content: null);
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        await Eventually.ValueAsync(
            async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/backends/{backend}"))!,
            b => b["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>() && b["runtime"]!["status"]!.GetValue<string>() == "connected",
            $"{backend} authorized");
    }
}
