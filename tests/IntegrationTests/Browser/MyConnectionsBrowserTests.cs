using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using OneMcp.IntegrationTests.Support.OAuth;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// "My connections" in a real Chromium: against the REST contract of docs/dashboard-api.md (answered by the
/// browser's routing), and end to end against a gateway with authentication, a per-user stdio backend that takes a
/// secret and a per-user OAuth backend (the test server with <c>--require-oauth</c>) whose <c>token_subject</c> tool
/// says whose token a call carried.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class MyConnectionsBrowserTests(BrowserFixture browser)
{
    private const string Csrf = "csrf-token-1";
    private const string SecretValue = "typed-secret-7c41d2";
    private const string AuthorizationPage = "https://auth.example.test/authorize?state=s1";

    [Fact]
    public async Task MyConnections_AgainstTheContract_SecretsAreWriteOnly_ConnectGoesToTheBackendsPage_AdminsApproveAndRevoke()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        var api = await FakeConnectionsApi.RouteAsync(page, "admin");
        await page.RouteAsync("https://auth.example.test/**", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/html",
            Body = "<!doctype html><title>Backend authorization</title><p>The backend's own page.</p>",
        }));
        try
        {
            await page.GotoAsync(gateway.Url("/oauth#connections").ToString());
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My connections", Exact = true })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "My connections", Exact = true })).ToHaveAttributeAsync("aria-current", "page");
            var keyed = page.Locator("tr[data-connection=\"keyed\"]");
            await Expect(keyed.Locator(".status")).ToHaveTextAsync("Not connected");
            await Expect(keyed.Locator("[data-secret-of=\"API_KEY\"] .set-on")).ToHaveTextAsync("not set");

            // A secret is typed, saved, and leaves the page: the input is empty again, "set on" shows.
            var input = keyed.GetByLabel("API_KEY for keyed");
            await Expect(input).ToHaveAttributeAsync("type", "password");
            await input.FillAsync(SecretValue);
            await keyed.GetByRole(AriaRole.Button, new() { Name = "Save secrets for keyed", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("keyed: saved.");
            await Expect(input).ToHaveValueAsync(string.Empty);
            await Expect(keyed.Locator("[data-secret-of=\"API_KEY\"] .set-on")).ToContainTextAsync("set on ");
            await Expect(keyed.Locator(".status")).ToHaveTextAsync("Connected");
            api.Changes.ShouldContain($"PUT /api/me/connections/keyed/secrets {{\"API_KEY\":\"{SecretValue}\"}}");
            (await page.ContentAsync()).ShouldNotContain(SecretValue);

            // Everyone's connections: Approve only where tokens wait, Revoke after a confirmation.
            var carol = page.Locator("tr[data-connection-of=\"vault/carol\"]");
            await Expect(carol.GetByRole(AriaRole.Button, new() { Name = "Approve carol's connection to vault", Exact = true })).ToBeVisibleAsync();
            await Expect(page.Locator("tr[data-connection-of=\"keyed/bob\"]").GetByRole(AriaRole.Button, new() { Name = "Approve bob's connection to keyed", Exact = true })).ToBeHiddenAsync();
            await carol.GetByRole(AriaRole.Button, new() { Name = "Approve carol's connection to vault", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("carol's connection to vault approved.");
            await page.Locator("tr[data-connection-of=\"keyed/bob\"]").GetByRole(AriaRole.Button, new() { Name = "Revoke bob's connection to keyed", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("bob's connection to keyed revoked.");
            api.Changes.ShouldContain("POST /api/connections/vault/carol/approve ");
            api.Changes.ShouldContain("DELETE /api/connections/keyed/bob ");
            await BrowserFixture.SaveScreenshotAsync(page, "my-connections-contract");

            // Connect account: the browser goes to the backend's authorization page the gateway answered.
            var vault = page.Locator("tr[data-connection=\"vault\"]");
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Not connected");
            await vault.GetByRole(AriaRole.Button, new() { Name = "Connect account for vault", Exact = true }).ClickAsync();
            // The URL, not the load event (which a loaded machine has delayed past any timeout: see Walkthrough).
            await Expect(page).ToHaveURLAsync(AuthorizationPage, new() { Timeout = BrowserTimeouts.NavigationMs });
            api.Changes.ShouldContain("POST /api/me/connections/vault/oauth/authorize ");

            // Back from it: the banner says what happened, and the address is clean again.
            await page.GotoAsync(gateway.Url("/oauth?connected=vault#connections").ToString());
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Connected: your calls to vault now run with your account.");
            await Expect(page).ToHaveURLAsync(gateway.Url("/oauth#connections").ToString());
            // A link anyone can write puts no text of theirs in that banner: it names only the user's own backends.
            await page.GotoAsync(gateway.Url("/oauth?awaiting=Your%20session%20expired%3A%20sign%20in%20at%20evil.example#connections").ToString());
            await Expect(page).ToHaveURLAsync(gateway.Url("/oauth#connections").ToString());
            await Expect(vault.Locator(".status")).ToHaveTextAsync("Not connected");
            (await page.GetByRole(AriaRole.Status).AllTextContentsAsync()).ShouldAllBe(t => !t.Contains("evil.example"));
            // A failed callback: the gateway sets what failed in a cookie for the dashboard, which reads it once.
            await page.Context.AddCookiesAsync(
            [
                new Cookie
                {
                    Name = "onemcp_oauth_error",
                    Value = Uri.EscapeDataString("""{"code":"access_denied","backend":"vault","description":"The user said no."}"""),
                    Domain = gateway.Url("/").Host,
                    Path = "/oauth",
                },
            ]);
            await page.GotoAsync(gateway.Url("/oauth?error=access_denied&backend=vault#connections").ToString());
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Authorization of vault failed: The user said no. (access_denied)");
            (await page.Context.CookiesAsync()).ShouldNotContain(c => c.Name == "onemcp_oauth_error");

            api.ChangeHeaders.ShouldNotBeEmpty();
            api.ChangeHeaders.ShouldAllBe(h => h == Csrf);
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task MyConnections_ForAMember_HasNoAdministratorsTable_AndDisconnectAsksFirst()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        var api = await FakeConnectionsApi.RouteAsync(page, "member", keyedSet: true);
        try
        {
            await page.GotoAsync(gateway.Url("/oauth#connections").ToString());
            var keyed = page.Locator("tr[data-connection=\"keyed\"]");
            await Expect(keyed.Locator(".status")).ToHaveTextAsync("Connected");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Everyone's connections" })).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true })).ToBeHiddenAsync();

            await keyed.GetByRole(AriaRole.Button, new() { Name = "Disconnect keyed", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("keyed: disconnected.");
            await Expect(keyed.Locator(".status")).ToHaveTextAsync("Not connected");
            api.Changes.ShouldContain("DELETE /api/me/connections/keyed ");
            api.Changes.ShouldNotContain(c => c.Contains("/api/connections", StringComparison.Ordinal));
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// Issue 18's browser test: a member signs in, sets a secret (it leaves the page), connects a per-user backend
    /// through the backend's own authorization page with their account there, and their next MCP call runs as them.
    /// </summary>
    [Fact]
    public async Task Member_SetsASecretAndConnectsTheirAccount_AndTheirNextCallRunsAsThem()
    {
        await using var vault = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth"]);
        var perUserVault = ConfigBuilder.HttpServer(vault.McpUrl, ["secure"]);
        perUserVault["credentials"] = "perUser";
        var keyedEntry = ConfigBuilder.StdioTestServer("keyed", ["web"]);
        keyedEntry["credentials"] = "perUser";
        keyedEntry["env"] = new JsonObject { ["API_KEY"] = "${user:API_KEY}" };
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder().Add("vault", perUserVault).Add("keyed", keyedEntry));
        await gateway.AddUserAsync(Walkthrough.Member, Walkthrough.MemberPassword, "member");
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            await Walkthrough.SignInToDashboardAsync(page, gateway, Walkthrough.Member, Walkthrough.MemberPassword);
            await page.GetByRole(AriaRole.Link, new() { Name = "My connections", Exact = true }).ClickAsync();

            var keyed = page.Locator("tr[data-connection=\"keyed\"]");
            await Expect(keyed.Locator(".status")).ToHaveTextAsync("Not connected", Walkthrough.Long);
            var input = keyed.GetByLabel("API_KEY for keyed");
            await input.FillAsync(SecretValue);
            await keyed.GetByRole(AriaRole.Button, new() { Name = "Save secrets for keyed", Exact = true }).ClickAsync();
            await Expect(keyed.Locator("[data-secret-of=\"API_KEY\"] .set-on")).ToContainTextAsync("set on ", Walkthrough.LongContain);
            await Expect(input).ToHaveValueAsync(string.Empty);
            await Expect(keyed.Locator(".status")).ToHaveTextAsync("Connected", Walkthrough.Long);
            (await page.ContentAsync()).ShouldNotContain(SecretValue);

            // The backend's own page, with the member's account there.
            var row = page.Locator("tr[data-connection=\"vault\"]");
            await Expect(row.Locator(".status")).ToHaveTextAsync("Not connected", Walkthrough.Long);
            await row.GetByRole(AriaRole.Button, new() { Name = "Connect account for vault", Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(
                new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(vault.BaseUrl.AbsoluteUri)), new() { Timeout = BrowserTimeouts.NavigationMs });
            await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^Test backend"), new() { Timeout = BrowserTimeouts.NavigationMs });
            await page.FillAsync("input[name=account]", "bob-at-vault");
            await BrowserFixture.SaveScreenshotAsync(page, "my-connections-backend-consent");
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();

            await Expect(page.Locator("#note[role=status]")).ToContainTextAsync("Connected: your calls to vault now run with your account.", Walkthrough.LongContain);
            await Expect(page).ToHaveURLAsync(gateway.Url("/oauth#connections").ToString());
            await Expect(row.Locator(".status")).ToHaveTextAsync("Connected", Walkthrough.Long);
            await BrowserFixture.SaveScreenshotAsync(page, "my-connections-connected");

            // The member's next MCP call reaches the backend with the member's own token.
            var token = await new OAuthFlowDriver(gateway.BaseUrl).AccessTokenAsync(
                "http://127.0.0.1:46032/cb", ["tag:secure"], Walkthrough.Member, Walkthrough.MemberPassword);
            await using var client = await Walkthrough.ConnectAsync(gateway, token);
            var result = await Eventually.ValueAsync(
                async () => await client.CallToolAsync("vault_1mcp_token_subject"),
                r => r.IsError != true,
                "the member's call through their own connection");
            string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text)).ShouldContain("bob-at-vault");
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>The connection endpoints of docs/dashboard-api.md answered in the browser, recording every change.</summary>
    private sealed class FakeConnectionsApi
    {
        private const string SetAt = "2026-01-02T03:04:05Z";

        private bool _keyedSet;

        public ConcurrentQueue<string> Changes { get; } = new();

        public ConcurrentQueue<string> ChangeHeaders { get; } = new();

        public static async Task<FakeConnectionsApi> RouteAsync(IPage page, string role, bool keyedSet = false)
        {
            var fake = new FakeConnectionsApi { _keyedSet = keyedSet };
            await page.RouteAsync("**/api/**", route => fake.AnswerAsync(route, role));
            return fake;
        }

        private Task AnswerAsync(IRoute route, string role)
        {
            var request = route.Request;
            var path = new Uri(request.Url).AbsolutePath;
            if (request.Method != "GET")
            {
                Changes.Enqueue($"{request.Method} {path} {request.PostData}");
                ChangeHeaders.Enqueue(request.Headers.GetValueOrDefault("x-csrf-token") ?? string.Empty);
                switch (path)
                {
                    case "/api/me/connections/keyed/secrets":
                        _keyedSet = true;
                        return Json(route, Keyed());
                    case "/api/me/connections/keyed":
                        _keyedSet = false;
                        return route.FulfillAsync(new() { Status = 204 });
                    case "/api/me/connections/vault/oauth/authorize":
                        return Json(route, new JsonObject { ["authorizationUrl"] = AuthorizationPage });
                    default:
                        return route.FulfillAsync(new() { Status = 204 });
                }
            }

            return path switch
            {
                "/api/session" => Json(route, new JsonObject
                {
                    ["authEnabled"] = true, ["scopeValidation"] = false,
                    ["user"] = new JsonObject { ["name"] = role == "admin" ? "ada" : "bob", ["role"] = role }, ["csrfToken"] = Csrf,
                }),
                "/api/me/connections" => Json(route, new JsonArray(Keyed(), Vault())),
                "/api/connections" when role == "admin" => Json(route, JsonNode.Parse($$"""
                    [{"backend":"keyed","user":"bob","secrets":[{"name":"API_KEY","setAt":"{{SetAt}}"}],"oauthStatus":null,"oauthConnectedAt":null,"createdAt":"{{SetAt}}","updatedAt":"{{SetAt}}"},
                     {"backend":"vault","user":"carol","secrets":[],"oauthStatus":"awaitingApproval","oauthConnectedAt":"{{SetAt}}","createdAt":"{{SetAt}}","updatedAt":"{{SetAt}}"}]
                    """)!),
                "/api/connections" => route.FulfillAsync(new() { Status = 403, ContentType = "application/problem+json", Body = "{\"title\":\"Forbidden\",\"status\":403}" }),
                _ => Json(route, new JsonArray()),
            };
        }

        private JsonObject Keyed() => new()
        {
            ["backend"] = "keyed", ["transport"] = "stdio",
            ["secrets"] = new JsonArray(new JsonObject { ["name"] = "API_KEY", ["setAt"] = _keyedSet ? SetAt : null }),
            ["oauth"] = false, ["oauthRequired"] = false, ["oauthStatus"] = null, ["oauthConnectedAt"] = null,
            ["connected"] = _keyedSet, ["updatedAt"] = _keyedSet ? SetAt : null,
        };

        private static JsonObject Vault() => new()
        {
            ["backend"] = "vault", ["transport"] = "http", ["secrets"] = new JsonArray(),
            ["oauth"] = true, ["oauthRequired"] = true, ["oauthStatus"] = null, ["oauthConnectedAt"] = null,
            ["connected"] = false, ["updatedAt"] = null,
        };

        private static Task Json(IRoute route, JsonNode body) =>
            route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = body.ToJsonString() });
    }
}
